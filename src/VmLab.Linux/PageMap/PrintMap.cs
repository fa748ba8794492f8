namespace VmLab.Linux;

/// <summary>
/// One virtual address translated through pagemap: the frame behind it and the physical address of the byte.
/// </summary>
/// <param name="VirtualAddress">The address asked about (any byte, not only a page start).</param>
/// <param name="Entry">The pagemap entry of its page.</param>
/// <param name="MapCount">How many mappings share the frame (/proc/kpagecount), or null when unreadable.</param>
public sealed record PageTranslation(ulong VirtualAddress, PageMapEntry Entry, long? MapCount)
{
    /// <summary>The frame number, or null (not present, swapped, or hidden without root).</summary>
    public ulong? Pfn => Entry.Pfn;

    /// <summary>The physical address of this very byte: PFN × page size + offset in page; null like <see cref="Pfn"/>.</summary>
    public ulong? PhysicalAddress => Entry.PhysicalAddress is ulong pa ? pa + VirtualAddress % (ulong)PageSize.Value : null;

    /// <summary>print_map's line: "VA 0x7f… -> PFN 0x1a2b3, PA 0x1a2b3010 [present exclusive]".</summary>
    public override string ToString()
    {
        string target = Entry switch
        {
            { Pfn: not null } => $"PFN 0x{Pfn:x}, PA 0x{PhysicalAddress:x}",
            { IsPfnHidden: true } => "PFN hidden (needs root)",
            { IsSwapped: true } => $"swapped out (type {Entry.SwapType}, offset 0x{Entry.SwapOffset:x})",
            _ => "no frame (page not present)",
        };
        string count = MapCount is long c ? $", mapped {c}x" : "";
        return $"VA 0x{VirtualAddress:x} -> {target}{count} [{Entry.FlagText}]";
    }
}

/// <summary>
/// The seed's <c>print_map(void *data)</c>: where a virtual address lives in physical memory, from
/// /proc/self/pagemap (frames need root; without it they read as hidden, never as a made-up number).
/// </summary>
public static unsafe class PrintMap
{
    /// <summary>Translates <paramref name="data"/> in this process.</summary>
    public static PageTranslation Of(void* data) => Of((ulong)data);

    /// <summary>Translates <paramref name="address"/> in this process.</summary>
    public static PageTranslation Of(nint address) => Of((ulong)address);

    /// <summary>Translates <paramref name="address"/> in this process (with its mapper count when root).</summary>
    public static PageTranslation Of(ulong address)
    {
        using var map = PageMap.OpenSelf();
        using var counts = KPageCount.TryOpen(out _);
        return Of(map, address, counts);
    }

    /// <summary>Translates <paramref name="address"/> with an already open page map (and kpagecount when readable).</summary>
    public static PageTranslation Of(PageMap map, ulong address, KPageCount? counts = null)
    {
        var entry = map.Read(address);
        long? count = counts is not null && entry.Pfn is ulong pfn ? counts.Count(pfn) : null;
        return new PageTranslation(address, entry, count);
    }

    /// <summary>print_map(data) as one line, ready to print.</summary>
    public static string Describe(void* data) => Of(data).ToString();
}

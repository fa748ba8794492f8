using VmLab.Sim.Memory;

namespace VmLab.Sim.Paging;

/// <summary>
/// A handle on a 4-level page table that lives in simulated physical memory. The handle holds only the root's
/// physical address (the value CR3 would hold); the tables themselves are 4 KiB frames of 512 little-endian
/// 8-byte entries, so a stray physical write corrupts them exactly as it would on hardware.
/// </summary>
public sealed class PageTable
{
    /// <summary>Wraps an existing root table at <paramref name="root"/>. Without an allocator, mapping can
    /// only fill tables that already exist.</summary>
    public PageTable(PhysicalMemory memory, FrameAllocator? allocator, ulong root, int pid = 0)
    {
        if ((root & ~Pte.PTE_PAMASK) != 0) throw new ArgumentException($"page table root 0x{root:x} is not page-aligned", nameof(root));
        if (!memory.Contains(root)) throw new PhysicalAddressException(root, memory.Size);
        Memory = memory;
        Allocator = allocator;
        Root = root;
        Pid = pid;
    }

    /// <summary>Allocates an empty (all not-present) PML4 owned by <paramref name="pid"/>.</summary>
    public static PageTable Create(FrameAllocator allocator, int pid = 0) =>
        new(allocator.Memory, allocator, allocator.Allocate(FrameOwner.PageTable, pid), pid);

    /// <summary>The physical memory holding the table pages.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>Source of new page-table pages for <see cref="VmIter.Map"/>, or null.</summary>
    public FrameAllocator? Allocator { get; }

    /// <summary>Physical address of the PML4: the value to load into CR3.</summary>
    public ulong Root { get; }

    /// <summary>Process that owns the page-table pages allocated through this handle (0: the kernel).</summary>
    public int Pid { get; }

    /// <summary>A mapping iterator positioned at <paramref name="va"/>.</summary>
    public VmIter Iter(ulong va = 0) => new(this, va);

    /// <summary>An iterator over the page-table pages below the root.</summary>
    public PtIter TablePages() => new(this);

    /// <summary>Entry <paramref name="index"/> of the table page at <paramref name="tablePa"/>.</summary>
    public ulong ReadEntry(ulong tablePa, int index) => Memory.ReadU64(tablePa + (ulong)index * 8);

    /// <summary>Every present entry of every table page, root first then depth-first, for dumps.</summary>
    public IReadOnlyList<TableEntryLine> Dump()
    {
        var lines = new List<TableEntryLine>();
        DumpTable(Root, 3, 0, lines);
        return lines;
    }

    private void DumpTable(ulong table, int level, ulong vaBase, List<TableEntryLine> lines)
    {
        for (int i = 0; i < VirtualAddress.EntriesPerTable; i++)
        {
            ulong e = ReadEntry(table, i);
            if (!Pte.IsPresent(e)) continue;
            ulong va = VirtualAddress.Canonicalize(vaBase | ((ulong)i << (12 + 9 * level)));
            bool leaf = level == 0 || Pte.IsLarge(e);
            lines.Add(new TableEntryLine(level, table, i, e, va, leaf));
            if (!leaf) DumpTable(Pte.Address(e), level - 1, va, lines);
        }
    }
}

/// <summary>One present entry in a dump: which table page and slot, its raw value, and the first va it covers.</summary>
public sealed record TableEntryLine(int Level, ulong TablePa, int Index, ulong Entry, ulong Va, bool Leaf)
{
    /// <summary>The SDM's name for a table at <paramref name="level"/>.</summary>
    public static string TableName(int level) => level switch { 3 => "PML4", 2 => "PDPT", 1 => "PD", _ => "PT" };

    /// <summary>The entry's set flags in the SDM's letters, as <see cref="Pte.FormatFlags"/> writes them.</summary>
    public string Flags => Pte.FormatFlags(Entry);
}

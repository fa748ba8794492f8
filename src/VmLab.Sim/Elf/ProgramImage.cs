using VmLab.Sim.X86;

namespace VmLab.Sim.Elf;

/// <summary>Which part of a program a segment is: code (read/execute), data (read/write), bss (zeroed, read/write).</summary>
public enum SegmentKind : byte
{
    /// <summary>Code and read-only data: mapped read/execute.</summary>
    Text = 0,
    /// <summary>Initialised data: mapped read/write, no execute.</summary>
    Data = 1,
    /// <summary>Zero-initialised data (no bytes in the file): mapped read/write, no execute.</summary>
    Bss = 2,
}

/// <summary>
/// One segment of a program: its first virtual address, its bytes (empty for bss), and how big it is in memory.
/// Every segment starts on a page boundary, so a loader maps it with one permission.
/// </summary>
public sealed record Segment(SegmentKind Kind, ulong Address, byte[] Bytes, ulong MemorySize)
{
    /// <summary>True for data and bss: the loader maps the segment's pages writable.</summary>
    public bool Writable => Kind != SegmentKind.Text;

    /// <summary>True for text: the only segment whose pages may be fetched as instructions.</summary>
    public bool Executable => Kind == SegmentKind.Text;

    /// <summary>The first address past the segment in memory.</summary>
    public ulong End => Address + MemorySize;

    /// <summary>
    /// The segment page by page, the way a loader maps it: each page's virtual address and the bytes that go at
    /// its start (shorter than a page, or empty, where the rest is zero: the tail of .data, all of .bss).
    /// </summary>
    public IEnumerable<(ulong Va, ReadOnlyMemory<byte> Bytes)> Pages()
    {
        for (ulong off = 0; off < MemorySize; off += 4096)
        {
            int start = (int)Math.Min(off, (ulong)Bytes.Length);
            int end = (int)Math.Min(off + 4096, (ulong)Bytes.Length);
            yield return (Address + off, Bytes.AsMemory(start, end - start));
        }
    }
}

/// <summary>
/// A program ready to load: what <see cref="ElfLoader"/> makes of a static ELF file and the kernel maps into a
/// process (segments, the entry point) plus the symbol table, for traces and listings.
/// </summary>
public sealed class ProgramImage
{
    /// <summary>An image of these segments, entered at <paramref name="entry"/>, with these symbols.</summary>
    public ProgramImage(IReadOnlyList<Segment> segments, ulong entry, IReadOnlyDictionary<string, ulong> symbols)
    {
        Segments = segments;
        Entry = entry;
        Symbols = symbols;
    }

    /// <summary>The segments, each starting on a page boundary.</summary>
    public IReadOnlyList<Segment> Segments { get; }

    /// <summary>The address of the first instruction the program runs.</summary>
    public ulong Entry { get; }

    /// <summary>Functions and objects (addresses) by name.</summary>
    public IReadOnlyDictionary<string, ulong> Symbols { get; }

    /// <summary>The segment of the given kind, or null when the program has none.</summary>
    public Segment? Get(SegmentKind kind) => Segments.FirstOrDefault(s => s.Kind == kind);

    /// <summary>The lowest and highest address the program occupies.</summary>
    public (ulong Start, ulong End) Extent =>
        Segments.Count == 0 ? (Entry, Entry) : (Segments.Min(s => s.Address), Segments.Max(s => s.End));

    /// <summary>The label at exactly this address, for traces ("loop"), or null.</summary>
    public string? LabelAt(ulong address)
    {
        _byAddress ??= BuildLabelIndex();
        return _byAddress.TryGetValue(address, out string? name) ? name : null;
    }

    /// <summary>
    /// The symbol a listing names an address by, found as objdump -d finds it: the nearest one at or below the
    /// address in the same segment, so a branch into a function reads as function+offset; null when there is none.
    /// </summary>
    public X86Symbol? SymbolFor(ulong address)
    {
        _byAddress ??= BuildLabelIndex();
        _starts ??= [.. _byAddress.Keys.Order()];
        int i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1;   // the last symbol below the address
        if (i < 0) return null;
        ulong start = _starts[i];
        return Segments.Any(s => s.Address <= start && address < s.End) ? new X86Symbol(start, _byAddress[start]) : null;
    }

    private Dictionary<ulong, string>? _byAddress;
    private ulong[]? _starts;

    private Dictionary<ulong, string> BuildLabelIndex()
    {
        var map = new Dictionary<ulong, string>();
        foreach (var (name, value) in Symbols.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (Segments.Any(s => value >= s.Address && value < s.End))
                map.TryAdd(value, name);
        return map;
    }
}

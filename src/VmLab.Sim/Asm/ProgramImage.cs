using System.Text;

namespace VmLab.Sim.Asm;

/// <summary>Which part of a program a segment is: code (read/execute), data (read/write), bss (zeroed, read/write).</summary>
public enum SegmentKind : byte
{
    Text = 0,
    Data = 1,
    Bss = 2,
}

/// <summary>
/// One segment of a program: its first virtual address, its bytes (empty for bss), and how big it is in memory.
/// Every segment starts on a page boundary, so a loader maps it with one permission.
/// </summary>
public sealed record Segment(SegmentKind Kind, ulong Address, byte[] Bytes, ulong MemorySize)
{
    public bool Writable => Kind != SegmentKind.Text;

    public bool Executable => Kind == SegmentKind.Text;

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
/// What the assembler produces and a loader consumes: segments, the entry point, and the symbol table (for
/// traces and listings). Saved as a small binary file ("VMLABIM1", little-endian) by <c>vmlab sim asm -o</c>.
/// </summary>
public sealed class ProgramImage
{
    private static readonly byte[] s_magic = "VMLABIM1"u8.ToArray();

    public ProgramImage(IReadOnlyList<Segment> segments, ulong entry, IReadOnlyDictionary<string, ulong> symbols)
    {
        Segments = segments;
        Entry = entry;
        Symbols = symbols;
    }

    public IReadOnlyList<Segment> Segments { get; }

    public ulong Entry { get; }

    /// <summary>Labels (addresses) and .equ constants by name.</summary>
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

    private Dictionary<ulong, string>? _byAddress;

    private Dictionary<ulong, string> BuildLabelIndex()
    {
        var map = new Dictionary<ulong, string>();
        foreach (var (name, value) in Symbols.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (Segments.Any(s => value >= s.Address && value < s.End))
                map.TryAdd(value, name);
        return map;
    }

    /// <summary>True when the bytes look like a saved image (they start with the magic).</summary>
    public static bool IsImage(ReadOnlySpan<byte> bytes) => bytes.StartsWith(s_magic);

    public byte[] Save()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(s_magic);
        w.Write(Entry);
        w.Write(Segments.Count);
        foreach (var s in Segments)
        {
            w.Write((byte)s.Kind);
            w.Write(s.Address);
            w.Write(s.MemorySize);
            w.Write(s.Bytes.Length);
            w.Write(s.Bytes);
        }
        w.Write(Symbols.Count);
        foreach (var (name, value) in Symbols.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Write(name);
            w.Write(value);
        }
        w.Flush();
        return ms.ToArray();
    }

    /// <summary>Reads a saved image; a damaged or foreign file is an <see cref="InvalidDataException"/> saying so.</summary>
    public static ProgramImage Load(byte[] bytes)
    {
        if (!IsImage(bytes))
            throw new InvalidDataException("not a vmlab program image (no VMLABIM1 header)");
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, s_magic.Length, bytes.Length - s_magic.Length), Encoding.UTF8);
            ulong entry = r.ReadUInt64();
            int count = r.ReadInt32();
            if (count is < 0 or > 3) throw new InvalidDataException($"program image: bad segment count {count}");
            var segments = new List<Segment>();
            for (int i = 0; i < count; i++)
            {
                var kind = (SegmentKind)r.ReadByte();
                ulong address = r.ReadUInt64(), size = r.ReadUInt64();
                int length = r.ReadInt32();
                if (kind > SegmentKind.Bss || length < 0 || (ulong)length > size || size > 1UL << 32 || address % 4096 != 0)
                    throw new InvalidDataException($"program image: segment {i} is malformed");
                if (size > ulong.MaxValue - address)
                    throw new InvalidDataException($"program image: segment {i} at 0x{address:x} runs past the top of the address space");
                segments.Add(new Segment(kind, address, r.ReadBytes(length), size));
            }
            int nsym = r.ReadInt32();
            if (nsym < 0) throw new InvalidDataException("program image: bad symbol count");
            var symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
            for (int i = 0; i < nsym; i++)
                symbols[r.ReadString()] = r.ReadUInt64();
            return new ProgramImage(segments, entry, symbols);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("program image: truncated file");
        }
    }
}

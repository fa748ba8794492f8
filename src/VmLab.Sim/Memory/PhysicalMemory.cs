using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VmLab.Sim.Memory;

/// <summary>
/// The machine's physical memory: bytes addressed by physical address, in 4 KiB frames. Frames are sparse:
/// a frame gets host memory on its first write, so a machine with 64 GiB of "RAM" costs only the frames it
/// touches. An untouched frame reads as zeros, exactly like a freshly zeroed frame.
/// </summary>
public sealed partial class PhysicalMemory
{
    /// <summary>Bytes per frame: 4096, the x86-64 base page size.</summary>
    public const int FrameSize = 4096;
    /// <summary>
    /// log2 of <see cref="FrameSize"/>: a physical address shifted right by 12 is its frame number (PFN).
    /// </summary>
    public const int FrameShift = 12;
    /// <summary>Size of a machine made without one: 2 MiB, WeensyOS's MEMSIZE_PHYSICAL.</summary>
    public const ulong DefaultSize = 2UL << 20;          // WeensyOS MEMSIZE_PHYSICAL
    /// <summary>Largest machine: 1 TiB (frames are sparse, so only touched frames cost host memory).</summary>
    public const ulong MaxSize = 1UL << 40;              // 1 TiB keeps the frame directory at 4 MiB

    // Two-level directory: chunk (512 frames = 2 MiB) -> frame -> bytes. Both levels fill in lazily.
    private const int ChunkShift = 9;
    private const int ChunkMask = (1 << ChunkShift) - 1;
    private readonly byte[]?[]?[] _chunks;
    private int _touched;
    // Host arrays of zeroed frames, cleared, for the next frame touched. A frame's array is pinned (the CPU's host
    // TLB keeps its address), and pinned arrays are collected only with the oldest generation: a kernel that forks
    // and exits in a loop made a new one per page and spent half its time allocating them (four p-forkexits, 10 M
    // instructions: 3.5 s -> 1.8 s). An array is never in use past its frame's zeroing (the CPU keeps frames for one
    // run; the kernel zeroes between runs), so handing it to another frame is safe.
    private readonly Stack<byte[]> _spare = new();
    private const int SpareLimit = 1024;   // 4 MiB at most kept for reuse

    /// <summary>Creates <paramref name="size"/> bytes of zeroed memory (a multiple of 4 KiB).</summary>
    public PhysicalMemory(ulong size = DefaultSize)
    {
        if (size == 0 || size % FrameSize != 0 || size > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), $"physical memory size must be a non-zero multiple of 4 KiB up to 1 TiB (got 0x{size:x})");
        Size = size;
        FrameCount = size >> FrameShift;
        _chunks = new byte[]?[]?[(FrameCount + ChunkMask) >> ChunkShift];
        _changes = new ulong[]?[_chunks.Length];
    }

    /// <summary>Bytes of physical memory; valid addresses are [0, Size).</summary>
    public ulong Size { get; }

    /// <summary>Number of 4 KiB frames.</summary>
    public ulong FrameCount { get; }

    /// <summary>Frames that currently hold host memory (written since creation or since their last zeroing).</summary>
    public int TouchedFrames => _touched;

    /// <summary>True if <paramref name="pa"/> is inside physical memory.</summary>
    public bool Contains(ulong pa) => pa < Size;

    // QUERIES AND ACCESS (little-endian, like x86)

    /// <summary>Reads one byte.</summary>
    public byte ReadByte(ulong pa)
    {
        byte[]? f = FrameOrNull(pa);
        return f is null ? (byte)0 : f[pa & (FrameSize - 1)];
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(ulong pa, byte value) => Written(pa)[pa & (FrameSize - 1)] = value;

    /// <summary>Reads 8 bytes at <paramref name="pa"/>; an access that straddles two frames is split.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadU64(ulong pa)
    {
        int off = (int)(pa & (FrameSize - 1));
        if (off > FrameSize - 8) return ReadSlow(pa);
        byte[]? f = FrameOrNull(pa);
        return f is null ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(off, 8));
    }

    /// <summary>Writes 8 bytes at <paramref name="pa"/>.</summary>
    public void WriteU64(ulong pa, ulong value)
    {
        int off = (int)(pa & (FrameSize - 1));
        if (off > FrameSize - 8)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(b, value);
            Write(pa, b);
            return;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(Written(pa).AsSpan(off, 8), value);
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="pa"/>.</summary>
    public void Read(ulong pa, Span<byte> destination)
    {
        CheckRange(pa, (ulong)destination.Length);
        while (destination.Length > 0)
        {
            int off = (int)(pa & (FrameSize - 1));
            int n = Math.Min(FrameSize - off, destination.Length);
            Touch?.Invoke(pa & ~(ulong)(FrameSize - 1), false);
            byte[]? f = FrameOrNull(pa);
            if (f is null) destination[..n].Clear();
            else f.AsSpan(off, n).CopyTo(destination);
            destination = destination[n..];
            pa += (ulong)n;
        }
    }

    /// <summary>Copies <paramref name="source"/> to physical memory starting at <paramref name="pa"/>.</summary>
    public void Write(ulong pa, ReadOnlySpan<byte> source)
    {
        CheckRange(pa, (ulong)source.Length);
        while (source.Length > 0)
        {
            int off = (int)(pa & (FrameSize - 1));
            int n = Math.Min(FrameSize - off, source.Length);
            source[..n].CopyTo(Written(pa).AsSpan(off, n));
            source = source[n..];
            pa += (ulong)n;
        }
    }

    /// <summary>Fills the frame containing <paramref name="pa"/> with zeros and gives its host memory back.</summary>
    public void ZeroFrame(ulong pa)
    {
        CheckRange(pa, 1);
        Touch?.Invoke(pa & ~(ulong)(FrameSize - 1), true);
        ulong pfn = pa >> FrameShift;
        byte[]?[]? chunk = _chunks[pfn >> ChunkShift];
        if (chunk is null || chunk[pfn & ChunkMask] is not { } array) return;
        chunk[pfn & ChunkMask] = null;
        if (_spare.Count < SpareLimit)
        {
            Array.Clear(array);
            _spare.Push(array);
        }
        _touched--;
        Dropped(pfn);
    }

    /// <summary>Fills the frame containing <paramref name="pa"/> with <paramref name="value"/>.</summary>
    public void FillFrame(ulong pa, byte value)
    {
        if (value == 0) ZeroFrame(pa);
        else Written(pa).AsSpan().Fill(value);
    }

    /// <summary>The bytes of the frame containing <paramref name="pa"/> (gives the frame host memory).</summary>
    public Span<byte> FrameSpan(ulong pa) => Lent(pa);

    /// <summary>The host array behind the frame containing <paramref name="pa"/>, created on demand: the bus's
    /// fast path. Valid until the frame is zeroed (freed); callers keep it no longer than one CPU run.</summary>
    internal byte[] FrameArray(ulong pa) => Lent(pa);

    /// <summary>The host array behind the frame, or null while the frame is untouched (reads as zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte[]? FrameArrayOrNull(ulong pa) => FrameOrNull(pa);

    /// <summary>True if the frame containing <paramref name="pa"/> holds host memory.</summary>
    public bool IsTouched(ulong pa) => pa < Size && FrameOrNull(pa) is not null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte[]? FrameOrNull(ulong pa)
    {
        ulong pfn = pa >> FrameShift;
        if (pfn >= FrameCount) ThrowOutOfRange(pa);
        return _chunks[pfn >> ChunkShift]?[pfn & ChunkMask];
    }

    private byte[] Frame(ulong pa)
    {
        ulong pfn = pa >> FrameShift;
        if (pfn >= FrameCount) ThrowOutOfRange(pa);
        byte[]?[] chunk = _chunks[pfn >> ChunkShift] ??= new byte[]?[1 << ChunkShift];
        ref byte[]? frame = ref chunk[pfn & ChunkMask];
        if (frame is null)
        {
            // pinned: the CPU's host TLB keeps a frame's host address (IMemoryBus.PinnedPages)
            frame = _spare.TryPop(out byte[]? spare) ? spare : GC.AllocateArray<byte>(FrameSize, pinned: true);
            _touched++;
        }
        return frame;
    }

    private ulong ReadSlow(ulong pa)
    {
        Span<byte> b = stackalloc byte[8];
        Read(pa, b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    private void CheckRange(ulong pa, ulong length)
    {
        if (pa >= Size || length > Size - pa) ThrowOutOfRange(pa);
    }

    private void ThrowOutOfRange(ulong pa) =>
        throw new PhysicalAddressException(pa, Size);
}

/// <summary>An access to a physical address the machine does not have (a bus error on real hardware).</summary>
public sealed class PhysicalAddressException(ulong address, ulong size)
    : InvalidOperationException($"physical address 0x{address:x} is beyond the end of memory (0x{size:x})")
{
    /// <summary>The physical address that was out of range (at or past the end of memory).</summary>
    public ulong Address => address;
}

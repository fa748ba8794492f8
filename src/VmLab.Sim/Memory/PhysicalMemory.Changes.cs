using System.Runtime.CompilerServices;

namespace VmLab.Sim.Memory;

// WHAT CHANGED: observers (the kernel's memory checker) ask whether a frame may hold other bytes than when they
// last looked, instead of reading it again. Every write this class makes counts; a writable view handed out
// (FrameSpan, the bus's FrameArray) cannot be counted, so the frame is marked lent until it is zeroed, and an
// observer must treat a lent frame as changed whenever it looks.
public sealed partial class PhysicalMemory
{
    private const ulong LentBit = 1UL << 63;

    // Per chunk, per frame: bits 62:0 count the writes made through this class, bit 63 is set while lent.
    private readonly ulong[]?[] _changes;

    /// <summary>Moves whenever some frame's <see cref="Generation"/> or <see cref="IsLent"/> changes: while it stands
    /// still, an observer need not ask frame by frame.</summary>
    public long ChangeCount { get; private set; }

    /// <summary>
    /// A number that changes whenever this class writes the frame containing <paramref name="pa"/> (Write*, Fill,
    /// zeroing, a restore). Writes through a view from <see cref="FrameSpan"/> are not counted: see
    /// <see cref="IsLent"/>.
    /// </summary>
    public ulong Generation(ulong pa)
    {
        ulong pfn = pa >> FrameShift;
        if (pfn >= FrameCount) ThrowOutOfRange(pa);
        return (_changes[pfn >> ChunkShift]?[pfn & ChunkMask] ?? 0) & ~LentBit;
    }

    /// <summary>True while a writable view of the frame (<see cref="FrameSpan"/>, the bus's fast path) may be
    /// written behind <see cref="Generation"/>'s back: from the first view until the frame is next zeroed.</summary>
    public bool IsLent(ulong pa)
    {
        ulong pfn = pa >> FrameShift;
        if (pfn >= FrameCount) ThrowOutOfRange(pa);
        return ((_changes[pfn >> ChunkShift]?[pfn & ChunkMask] ?? 0) & LentBit) != 0;
    }

    /// <summary>While set, told of every frame this class writes, zeroes or lends out (true) and every bulk read
    /// (<see cref="Read"/>, false): what the kernel touches on a process's behalf during one system call. Word reads
    /// (page walks) are not told.</summary>
    public Action<ulong, bool>? Touch { get; set; }

    // The frame's bytes, about to be written here: the write counts.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte[] Written(ulong pa)
    {
        Touch?.Invoke(pa & ~(ulong)(FrameSize - 1), true);
        byte[] frame = Frame(pa);
        Change(pa >> FrameShift)++;
        ChangeCount++;
        return frame;
    }

    // The frame's bytes, handed to a caller that may write them unseen.
    private byte[] Lent(ulong pa)
    {
        Touch?.Invoke(pa & ~(ulong)(FrameSize - 1), true);
        byte[] frame = Frame(pa);
        ref ulong c = ref Change(pa >> FrameShift);
        if ((c & LentBit) == 0)
        {
            c |= LentBit;
            ChangeCount++;
        }
        return frame;
    }

    // The frame's array is gone: its bytes changed (to zeros) and no view of it is out any more.
    private void Dropped(ulong pfn)
    {
        ref ulong c = ref Change(pfn);
        c = (c + 1) & ~LentBit;
        ChangeCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Change(ulong pfn) =>
        ref (_changes[pfn >> ChunkShift] ??= new ulong[1 << ChunkShift])[pfn & ChunkMask];
}

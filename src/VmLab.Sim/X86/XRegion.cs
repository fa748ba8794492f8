using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>
/// A compiled region: hot blocks of one code page, for one virtual address of it, as one .NET method. It was
/// compiled from the page's bytes [Lo, Hi), a copy of which is kept: it runs only while memory still holds
/// them (checked once per code-cache epoch, as decoded blocks are).
/// </summary>
internal sealed class XRegion(ulong va, XCodePage page, int lo, byte[] bytes, int[] pieceCounts, Delegate? code, int blocks, int instructions,
    int entry = 0)
{
    /// <summary>Marks a block whose region cannot be compiled (its first instruction is not one to compile).</summary>
    public static readonly XRegion Refused = new(0, null!, 0, [], [], null, 0, 0);

    public readonly ulong Va = va;
    /// <summary>The offset in the page of the block the region was compiled from.</summary>
    public readonly int Entry = entry;
    public readonly XCodePage Page = page;
    public readonly int Lo = lo;
    public readonly byte[] Bytes = bytes;
    /// <summary>The code page at the next virtual page, when the region holds blocks there (a loop across the
    /// boundary), and the bytes [NextLo, NextLo + NextBytes.Length) of it they were compiled from: the region
    /// runs only while that page is still mapped there, can be fetched from, and holds them.</summary>
    public XCodePage? Next;
    public int NextLo;
    public byte[] NextBytes = [];
    /// <summary>The instructions of each piece: an entry needs at least its piece's worth of budget.</summary>
    public readonly int[] PieceCounts = pieceCounts;
    public readonly Delegate? Code = code;
    public readonly int Blocks = blocks, Instructions = instructions;
    public uint Epoch;
    /// <summary>False while the JIT compiles the region's methods on another thread (the block runs interpreted
    /// meanwhile).</summary>
    public volatile bool Ready = true;
}

/// <summary>A compiled region's entry: runs from the piece entry (the first piece of one of its blocks) with left
/// instructions of budget, returns
/// why it stopped (as a <see cref="StopReason"/>: Budget means "carry on from rip", with
/// <see cref="XEmitter{TBus}.MissExit"/> or'ed in when it left at a host TLB miss) with rip, the registers
/// and flags in the CPU and left reduced by the instructions retired.</summary>
internal delegate int XRegionCode<TBus>(X86Cpu<TBus> cpu, ref long left, int entry) where TBus : IMemoryBus;

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>
/// A compiled region: hot blocks of one code page, for one virtual address of it, as one .NET method. It was
/// compiled from the page's bytes [Lo, Hi), a copy of which is kept: it runs only while memory still holds
/// them (checked once per code-cache epoch, as decoded blocks are).
/// </summary>
internal sealed class XRegion(ulong va, XCodePage page, int lo, byte[] bytes, int entryLength, Delegate? code, int blocks, int instructions)
{
    /// <summary>Marks a block whose region cannot be compiled (its first instruction is not one to compile).</summary>
    public static readonly XRegion Refused = new(0, null!, 0, [], 0, null, 0, 0);

    public readonly ulong Va = va;
    public readonly XCodePage Page = page;
    public readonly int Lo = lo;
    public readonly byte[] Bytes = bytes;
    public readonly int EntryLength = entryLength;
    public readonly Delegate? Code = code;
    public readonly int Blocks = blocks, Instructions = instructions;
    public uint Epoch;
}

/// <summary>A compiled region's entry: runs from its first block with left instructions of budget, returns
/// why it stopped (as a <see cref="StopReason"/>: Budget means "carry on from rip") with rip, the registers
/// and flags in the CPU and left reduced by the instructions retired.</summary>
internal delegate int XRegionCode<TBus>(X86Cpu<TBus> cpu, ref long left) where TBus : IMemoryBus;

/// <summary>
/// The block translator: a block the dispatcher enters <see cref="Threshold"/> times becomes the entry of a
/// region (the blocks reachable from it by direct branches within its page, <see cref="XRegionBuilder"/>)
/// compiled to IL (<see cref="XEmitter{TBus}"/>), with the registers and lazy flags in locals and each
/// instruction a call of its one definition in <see cref="XOps{TBus}"/>, which the JIT inlines.
/// </summary>
internal sealed class XJit<TBus> where TBus : IMemoryBus
{
    public int Threshold { get; set; } = 64;

    public long Compiled { get; private set; }
    public long CompiledInstructions { get; private set; }
    public long Entries { get; private set; }
    public long Invalidated { get; private set; }

    /// <summary>Runs the region that starts at block (at rip), compiling it when it has become hot; null when
    /// the interpreter must run the block (not hot yet, not compilable, stale, or too little budget).</summary>
    public StopReason? TryRun(X86Cpu<TBus> cpu, XBlock block, ulong rip, ref long left)
    {
        XRegion? region = block.Region;
        if (region is null)
        {
            if (block.Heat++ < Threshold || cpu.CurrentCodePage is not { } page) return null;
            region = Compile(cpu, page, rip);
            block.Region = region;
        }
        if (region.Code is null || region.Va != (rip & ~0xFFFUL) || left < region.EntryLength) return null;
        if (region.Epoch != cpu.CodeCache.Epoch)
        {
            if (!region.Page.Frame.AsSpan(region.Page.Offset + region.Lo, region.Bytes.Length).SequenceEqual(region.Bytes))
            {
                Invalidated++;
                block.Region = null;
                block.Heat = 0;
                return null;
            }
            region.Epoch = cpu.CodeCache.Epoch;
        }
        Entries++;
        return (StopReason)Unsafe.As<XRegionCode<TBus>>(region.Code)(cpu, ref left);
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "an XJit exists only where RuntimeFeature.IsDynamicCodeCompiled")]
    private XRegion Compile(X86Cpu<TBus> cpu, XCodePage page, ulong rip)
    {
        var blocks = XRegionBuilder.Build(cpu.CodeCache, page, (int)(rip & 0xFFF));
        if (blocks.Count == 0 || blocks[0].Count == 0) return XRegion.Refused;
        int lo = blocks.Min(b => b.Offset), hi = blocks.Max(b => b.End);
        var code = XEmitter<TBus>.Emit(rip & ~0xFFFUL, blocks);
        Compiled++;
        int instructions = blocks.Sum(b => b.Count);
        CompiledInstructions += instructions;
        return new XRegion(rip & ~0xFFFUL, page, lo, page.Frame.AsSpan(page.Offset + lo, hi - lo).ToArray(),
            blocks[0].Count, code, blocks.Count, instructions) { Epoch = cpu.CodeCache.Epoch };
    }
}

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>
/// The block translator: a block the dispatcher enters <see cref="Threshold"/> times becomes the entry of a
/// region (the blocks reachable from it by direct branches within its page, <see cref="XRegionBuilder"/>)
/// compiled to IL (<see cref="XEmitter{TBus}"/>), with the registers and lazy flags in locals and each
/// instruction a call of its one definition in <see cref="XOps{TBus}"/>, which the JIT inlines.
/// </summary>
internal sealed partial class XJit<TBus> where TBus : IMemoryBus
{
    public int Threshold { get; set; } = 64;

    /// <summary>Jumps between the compiled regions of one page, per instruction compiled for the page, before the
    /// page is compiled again as one region (<see cref="Merge"/>); a sixteenth of that while the JIT compiles in the
    /// background and has nothing of this CPU's to do (<see cref="MergeDue"/>).</summary>
    public long MergeChains { get; set; } = 4096;

    /// <summary>Whether the JIT compiles regions on its own thread (<see cref="XCompileThread"/>) while the
    /// interpreter goes on (see <see cref="X86Cpu{TBus}.TranslateInBackground"/>).</summary>
    public bool Background { get; set; }

    private X86Cpu<TBus>? _spare;
    private int _pending;

    /// <summary>Regions queued for the background JIT and not yet ready.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public long Compiled { get; private set; }
    public long CompiledInstructions { get; private set; }
    public long Entries { get; private set; }
    public long Invalidated { get; private set; }

    /// <summary>Where the time goes (the benchmark's profile): instructions retired in regions, host ticks
    /// (Stopwatch) spent building regions and emitting their IL (the JIT compiles each method at its first
    /// call: System.Runtime.JitInfo counts that), and why entries ended.</summary>
    public long TranslatedInstructions { get; private set; }
    public long CompileTicks { get; private set; }
    public long ExitLeft { get; private set; }
    public long ExitBudget { get; private set; }
    public long ExitEvent { get; private set; }
    /// <summary>Exits that went on into another compiled region, of this page or another, without the interpreter.</summary>
    public long ExitChained { get; private set; }
    /// <summary>Merges that handed their blocks back to a region compiled for the same shape before (<see cref="XMerge"/>).</summary>
    public long Remerged { get; private set; }

    private long _jitTicks;

    /// <summary>Regions emitted again with fewer instructions because the JIT would not have optimised their
    /// method (<see cref="XIl.Optimizable"/>).</summary>
    public long Shrunk { get; private set; }

    /// <summary>Compiled instructions emitted as IL, and (by code) those that call their XOps method.</summary>
    public long DirectInstructions { get; private set; }
    public Dictionary<XCode, int> HelperCodes { get; } = [];

    /// <summary>The JIT's time compiling the regions' methods (TimeSpan ticks, System.Runtime.JitInfo).</summary>
    public long JitTicks => Volatile.Read(ref _jitTicks);

    /// <summary>Runs the region that holds block (at rip) as one of its block starts, compiling one from here
    /// when the block has become hot; then, while a region jumps to a block start of another region (in the same
    /// page: an indirect jump, a return, a block no region reached when it was built; or in another page that
    /// code is fetched from, as the dispatcher would fetch it), that region, without going back to the
    /// dispatcher. Null when the interpreter must run the block (not hot yet, not compilable,
    /// stale, or too little budget). heat is false for the block a run resumes at, which may start in the middle
    /// of a compiled block (after a timer interrupt): it runs interpreted to the next block start rather than
    /// becoming the entry of a region of its own.</summary>
    public StopReason? TryRun(X86Cpu<TBus> cpu, XBlock block, ulong rip, ref long left, bool heat)
    {
        Missed = false;
        if (block.Region is null)
        {
            if (!heat || block.Heat++ < Threshold || cpu.CurrentCodePage is not { } page) return null;
            Compile(cpu, page, rip, block, merge: false);
        }
        StopReason? result = null;
        while (Current(cpu, block, rip, left, out int entry) is { } region)
        {
            Entries++;
            long before = left;
            int code = Unsafe.As<XRegionCode<TBus>>(region.Code!)(cpu, ref left, entry);
            var reason = (StopReason)(code & 0xFF);
            TranslatedInstructions += before - left;
            if ((code & XEmitter<TBus>.MissExit) != 0)
            {
                OnMiss(cpu, region);
                if (before == left) return result;   // at the entry: the interpreter runs the block
                Missed = true;
                return StopReason.Budget;
            }
            if (before == left && reason == StopReason.Budget) return result;   // nothing ran: the interpreter's turn
            result = reason;
            // Budget with more than a piece's worth left: the region jumped somewhere it does not hold (or code was
            // written); with less, the budget ran out (the quantum's end, or the interpreter finishes a piece)
            if (reason != StopReason.Budget) ExitEvent++;
            else if (left >= XEmitter<TBus>.MaxPiece) ExitLeft++;
            else ExitBudget++;
            if (reason != StopReason.Budget || cpu.CodeWrittenInRegion) break;
            rip = cpu.Rip;
            if ((rip & ~0xFFFUL) != region.Va)
            {
                // another page (a call into another page's function, its return): its block's region, if any
                if (cpu.ChainBlock(rip) is not { Region.Code: not null } there) break;
                ExitChained++;
                block = there;
                continue;
            }
            if (region.Page.Blocks[(int)(rip & 0xFFF)] is not { Region: not null } next) break;
            if (next.Region != region && next.Region.Code is not null)
            {
                ExitChained++;
                if (MergeDue(++region.Page.Chained, region.Page.Compiled)) Merge(cpu, region.Page, rip, next);
            }
            block = next;
        }
        return result;
    }

    /// <summary>The block's region when it can run now: compiled, for this virtual page, with enough budget for
    /// the entry piece, and its bytes unchanged (compared once per code-cache epoch; a changed region is dropped
    /// and the block starts counting again).</summary>
    private XRegion? Current(X86Cpu<TBus> cpu, XBlock block, ulong rip, long left, out int entry)
    {
        XRegion? region = block.Region;
        entry = block.Entry;
        if (region is { Ready: false } && block.Previous is { } previous)
        {
            // the region that replaces it is still being compiled
            region = previous;
            entry = block.PreviousEntry;
        }
        if (region?.Code is null || !region.Ready || region.Va != (rip & ~0xFFFUL) || left < region.PieceCounts[entry]) return null;
        if (region.Epoch != cpu.CodeCache.Epoch)
        {
            if (!region.Page.Frame.AsSpan(region.Page.Offset + region.Lo, region.Bytes.Length).SequenceEqual(region.Bytes)
                || region.Next is { } next && (cpu.CodePageAt((region.Va >> 12) + 1) != next
                    || !next.Frame.AsSpan(next.Offset + region.NextLo, region.NextBytes.Length).SequenceEqual(region.NextBytes)))
            {
                Invalidated++;
                block.Region = block.Previous = null;
                block.Heat = 0;
                return null;
            }
            region.Epoch = cpu.CodeCache.Epoch;
        }
        return region;
    }

    /// <summary>Compiles the region from entry (the block at rip) and makes it the region of every block it
    /// starts that has none yet (so a run resumed anywhere in the region, or a jump into it, enters it there).</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "an XJit exists only where RuntimeFeature.IsDynamicCodeCompiled")]
    private void Compile(X86Cpu<TBus> cpu, XCodePage page, ulong rip, XBlock entry, bool merge)
    {
        long start = Stopwatch.GetTimestamp();
        XCodePage? next = cpu.FetchedCodePage((rip >> 12) + 1);
        int[]? shape = null;
        List<XRegionBlock>? built = null;
        if (merge)
        {
            built = XRegionBuilder.Build(cpu.CodeCache, page, (int)(rip & 0xFFF), true, XRegionBuilder.MaxInstructions, next, (rip >> 12) + 1);
            shape = XMerge.ShapeOf(built);
            foreach (XMerge m in page.Merges ?? [])
                if (m.Matches(shape, MissExitsFor(page)))
                {
                    Remerged++;
                    Hold(page, m.Region, m.Blocks, m.FirstPiece);
                    CompileTicks += Stopwatch.GetTimestamp() - start;
                    return;
                }
        }
        if (EmitFitting(cpu, page, rip, merge, next, built) is not var (blocks, code, firstPiece, pieceCounts))
        {
            if (!merge) entry.Region = XRegion.Refused;
            return;
        }
        // the bytes each page's blocks were compiled from (a block of the next page is at its offset + 4096)
        int lo = int.MaxValue, hi = 0, nextLo = int.MaxValue, nextHi = 0, instructions = 0;
        foreach (XRegionBlock b in blocks)   // not LINQ: generic code JIT-compiled at a run's first region
        {
            if (b.Offset < 4096) (lo, hi) = (Math.Min(lo, b.Offset), Math.Max(hi, Math.Min(b.End, 4096)));
            if (b.End > 4096) (nextLo, nextHi) = (Math.Min(nextLo, Math.Max(b.Offset - 4096, 0)), Math.Max(nextHi, b.End - 4096));
            instructions += b.Count;
        }
        CompileTicks += Stopwatch.GetTimestamp() - start;
        Compiled++;
        CompiledInstructions += instructions;
        page.Compiled += instructions;
        var region = new XRegion(rip & ~0xFFFUL, page, lo, page.Frame.AsSpan(page.Offset + lo, hi - lo).ToArray(),
            pieceCounts, code, blocks.Count, instructions, (int)(rip & 0xFFF)) { Epoch = cpu.CodeCache.Epoch, Ready = !Background };
        if (nextHi > 0)
            (region.Next, region.NextLo, region.NextBytes) = (next, nextLo, next!.Frame.AsSpan(next.Offset + nextLo, nextHi - nextLo).ToArray());
        if (Background)
        {
            // the JIT's work (most of a region's cost) on another core; the region runs once it is done. A JIT
            // failure would be a bug: the region is marked ready anyway so that its first call shows it
            var spare = _spare ??= new X86Cpu<TBus>(cpu.Bus);
            Interlocked.Increment(ref _pending);
            XCompileThread.Queue(() =>
            {
                try { Precompile(code, spare); }
                finally
                {
                    region.Ready = true;
                    Interlocked.Decrement(ref _pending);
                }
            });
        }
        else Precompile(code, _spare ??= new X86Cpu<TBus>(cpu.Bus));
        if (!merge) entry.Region = null;
        else XMerge.Remember(page, new XMerge(shape!, MissExitsFor(page), region, blocks, firstPiece));
        Hold(page, region, blocks, firstPiece);
        entry.Region ??= XRegion.Refused;
    }

    /// <summary>Makes region, compiled from blocks, the region of each of them that the page still holds as it was
    /// decoded then (firstPiece[k]: block k's entry).</summary>
    private static void Hold(XCodePage page, XRegion region, List<XRegionBlock> blocks, int[] firstPiece)
    {
        for (int k = 0; k < blocks.Count; k++)
            if (blocks[k].Count > 0 && blocks[k].Offset < 4096 && page.Blocks[blocks[k].Offset] is { Tail: 0 } b && b.Ops == blocks[k].Source)
            {
                // a block another region held moves to this one (which holds the blocks that have run since);
                // the other runs it until this one is compiled
                if (b.Region is { Code: not null, Ready: true } held)
                {
                    b.Previous = held;
                    b.PreviousEntry = b.Entry;
                }
                b.Region = region;
                b.Entry = firstPiece[k];
            }
    }

    /// <summary>The region's blocks from rip (none to compile: null) and their method: all the builder takes, or
    /// fewer while the JIT would not optimise the method, too large (<see cref="XIl.Optimizable"/>: memory-heavy
    /// code such as gcc -O0's, where almost every instruction is an access); the rest are left to regions of their
    /// own. The entry's block alone (64 instructions at most) always fits, so this ends.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "an XJit exists only where RuntimeFeature.IsDynamicCodeCompiled")]
    private (List<XRegionBlock>, XRegionCode<TBus>, int[], int[])? EmitFitting(X86Cpu<TBus> cpu, XCodePage page, ulong rip, bool merge,
        XCodePage? next, List<XRegionBlock>? built)
    {
        var helperCodes = new Dictionary<XCode, int>();
        for (int most = XRegionBuilder.MaxInstructions, previous = int.MaxValue; ; Shrunk++)
        {
            // the merge's first build, when Compile made it already (the same arguments)
            var blocks = built ?? XRegionBuilder.Build(cpu.CodeCache, page, (int)(rip & 0xFFF), merge, most, next, (rip >> 12) + 1);
            built = null;
            if (blocks.Count == 0 || blocks[0].Count == 0) return null;
            int instructions = 0;
            foreach (XRegionBlock b in blocks) instructions += b.Count;
            helperCodes.Clear();
            var code = XEmitter<TBus>.Emit(rip & ~0xFFFUL, blocks, out int[] firstPiece, out int[] pieceCounts, helperCodes,
                out int direct, out bool optimizable, MissExitsFor(page));
            if (optimizable || instructions >= previous)
            {
                foreach (var (op, n) in helperCodes) HelperCodes[op] = HelperCodes.GetValueOrDefault(op) + n;
                DirectInstructions += direct;
                return (blocks, code, firstPiece, pieceCounts);
            }
            (previous, most) = (instructions, instructions * 2 / 3);
        }
    }

    /// <summary>Whether a page's regions, chained times since it was last compiled as one, with compiled instructions
    /// compiled for it, should be merged. The bar is about what compiling them again costs the JIT (see
    /// <see cref="Merge"/>); but a JIT on its own thread with nothing queued would spend another core's time, which
    /// the run does not wait for, so the bar is a sixteenth of that then: the jumps go on until the merged region is
    /// ready, and each one sooner is a ~19 ns pass through the dispatcher's loop saved (9 alternating runs of
    /// `sim cpu`: SHA-256 -O0 1272 -> 1147 ms, base64 -O0 629 -> 573, sudoku -O0 704 -> 664, fib -O2 279 -> 263,
    /// word count -O0 554 -> 585, SHA-256 -O2 the same; an eighth or a thirty-second did worse).</summary>
    private bool MergeDue(long chained, long compiled) =>
        chained >= (Background && Pending == 0 ? MergeChains * compiled / 16 : MergeChains * compiled);

    /// <summary>The regions of a page have jumped to each other often enough (<see cref="MergeChains"/> times the
    /// instructions compiled for the page, about what compiling them again costs the JIT, each jump through the
    /// dispatcher's loop costing ~15-20 ns) that one method holding them all pays for itself: compiles it from the
    /// block a jump went to. Every merge raises the next one's bar by its own size, so a page whose blocks do not
    /// fit in one region cannot keep the JIT busy.</summary>
    private void Merge(X86Cpu<TBus> cpu, XCodePage page, ulong rip, XBlock entry)
    {
        page.Chained = 0;
        Compile(cpu, page, rip, entry, merge: true);
    }

    /// <summary>Has the JIT compile the region now, counting its time (<see cref="JitTicks"/>).</summary>
    private void Precompile(XRegionCode<TBus> code, X86Cpu<TBus> spare)
    {
        TimeSpan before = JitInfo.GetCompilationTime(currentThread: true);
        XEmitter<TBus>.Precompile(code, spare);
        Interlocked.Add(ref _jitTicks, (JitInfo.GetCompilationTime(currentThread: true) - before).Ticks);
    }
}

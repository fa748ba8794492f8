namespace VmLab.Sim.X86;

// A region first leaves at a host TLB miss (XEmitter.Miss); a page whose regions keep missing is compiled again
// with the slow path.
internal sealed partial class XJit<TBus>
{
    /// <summary>Host TLB misses that left a page's regions (<see cref="XEmitter{TBus}.MissExit"/>) before the page
    /// is compiled again with the slow path, which takes a miss inside the region. A region is first compiled to
    /// leave at a miss, which the JIT compiles in about half the time; a miss costs the dispatcher's way round
    /// then and the interpreter to the end of the block, ~0.17 us more than the slow path (two pages taking turns
    /// in one host TLB entry at every access: 4 M such exits, 1.2 s -> 1.86 s without a limit), so a page that keeps
    /// missing (such pages, a store next to code, a kernel that empties the TLB at every entry) pays ~0.2 ms
    /// before its slow path. 0: always the slow path.</summary>
    public long MissLimit { get; set; } = 1024;

    /// <summary>Exits at a host TLB miss (<see cref="MissLimit"/>), and pages compiled again for them.</summary>
    public long ExitMiss { get; private set; }
    public long MissRecompiled { get; private set; }

    /// <summary>Whether the last <see cref="TryRun"/> ended at a host TLB miss: the interpreter then runs from the
    /// middle of a block, which must not become a region's entry.</summary>
    public bool Missed { get; private set; }

    private bool MissExitsFor(XCodePage page) => page.Misses < MissLimit;

    /// <summary>A region left at a host TLB miss: once its page's regions have missed <see cref="MissLimit"/> times,
    /// the page is compiled again, as a merge from this region's entry, with the slow path, once (the regions of
    /// the page it does not take in keep leaving at a miss; regions compiled for the page later take the slow path).</summary>
    private void OnMiss(X86Cpu<TBus> cpu, XRegion region)
    {
        ExitMiss++;
        XCodePage page = region.Page;
        if (++page.Misses != MissLimit) return;
        MissRecompiled++;
        if (page.Blocks[region.Entry] is { Tail: 0 } entry) Merge(cpu, page, region.Va + (ulong)region.Entry, entry);
    }
}

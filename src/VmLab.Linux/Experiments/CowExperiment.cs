using VmLab.Linux.Timing;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="CowExperiment"/> observed (frame facts from the last repeat). The *NsPerPage timings
/// are the median page of a pass (median over repeats); the Mean ones divide the pass by the page count.</summary>
public sealed record CowResult(
    ulong Address,
    int Pages,
    int Repeats,
    double FirstWriteNsPerPage,
    double SecondWriteNsPerPage,
    double FirstToSecondRatio,
    double FirstWriteMeanNsPerPage,
    double SecondWriteMeanNsPerPage,
    ulong? ParentPfn,
    ulong? ChildPfnBeforeWrite,
    ulong? ChildPfnAfterWrite,
    bool PfnHidden,
    int? PagesSharedBeforeWrite,
    int? PagesCopiedAfterWrite,
    int ExclusiveBeforeWrite,
    int ExclusiveAfterWrite,
    long? MapCountBeforeWrite,
    long? MapCountAfterWrite,
    bool SameVirtualAddress,
    bool ParentUnchanged,
    int ChildPid,
    Spread FirstVsSecond)
{
    /// <summary>Afterwards the child has its own frames, at the same virtual address, and the parent its data.</summary>
    public bool Correct => ParentUnchanged && SameVirtualAddress
        && (PfnHidden ? ExclusiveAfterWrite == Pages && ExclusiveBeforeWrite < Pages
                      : ChildPfnBeforeWrite == ParentPfn && ChildPfnAfterWrite != ParentPfn && PagesCopiedAfterWrite == Pages);

    /// <summary>The first write is the slow one (it copies), per page (median ratio), and the copy happened.</summary>
    public bool Holds => Correct && FirstVsSecond.Median > 1;

    /// <summary>
    /// The two checks a reader sees: every page copied on the child's first write (parent unchanged), and the first
    /// write slower than the second.
    /// </summary>
    public IReadOnlyList<Verdict> Verdicts =>
    [
        Verdict.Check("after its first write the child has its own copy of every page, and the parent keeps its data", Correct,
            Correct ? (PfnHidden ? $"{ExclusiveAfterWrite} of {Pages} child pages exclusive after the write ({ExclusiveBeforeWrite} before); parent unchanged"
                                 : $"{PagesCopiedAfterWrite} of {Pages} pages moved to new frames; parent unchanged")
                    : $"parent unchanged: {ParentUnchanged}, same address: {SameVirtualAddress}, copied: {PagesCopiedAfterWrite?.ToString() ?? $"{ExclusiveAfterWrite} exclusive"} of {Pages}"),
        Verdict.Timing("the first write to a page is slower than the second (it faults and copies the page)", FirstVsSecond.Median > 1,
            FormattableString.Invariant($"per page, first/second = {FirstVsSecond.AsRatio()} (each page's two writes timed back to back); median first write {FirstWriteNsPerPage:0} ns, second {SecondWriteNsPerPage:0} ns")),
    ];
}

/// <summary>
/// cow.c: after fork, parent and child share every private page read-only; the child's first write to a page
/// faults and copies it (slow), the second write is a plain store (fast). Same virtual address, new frame.
/// The child writes each page twice in a row, so every first/second pair is timed at one moment; the timing
/// verdict is the median of those per-page ratios over all repeats (forks).
/// </summary>
public static class CowExperiment
{
    private const ulong ParentPattern = 0x5041_5245_4e54_2121;   // "PARENT!!"
    private const ulong ChildPattern = 0x4348_494c_4421_2121;    // "CHILD!!!"

    /// <summary>
    /// Forks <paramref name="repeats"/> children (at least 1) over <paramref name="pages"/> private pages (at least 1);
    /// each child writes every page twice and reports pagemap and timings back. Throws
    /// <see cref="ArgumentOutOfRangeException"/> below 1, <see cref="PlatformNotSupportedException"/> off Linux.
    /// </summary>
    public static CowResult Run(int pages = 256, int repeats = 1)
    {
        Platform.RequireLinux("cow");
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous((ulong)pages * (ulong)PageSize.Value);
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(m.Span);
        // Every page present and owned by the parent before the fork, so the child's writes are copies, not
        // first-touch zero fills.
        words.Fill(ParentPattern);
        var parent = map.Read((ulong)m.Address, pages);

        var first = new List<double>();
        var second = new List<double>();
        var firstMean = new List<double>();
        var secondMean = new List<double>();
        var ratios = new List<double>();
        ForkTouchResult child = null!;
        for (int r = 0; r < repeats; r++)
        {
            // Each page's two writes back to back: both halves of a pair see the same moment of the machine.
            child = Fork.Touch(new ForkTouchPlan(m.Address, pages, PageSize.Value / sizeof(ulong), ChildPattern, Passes: 2, Interleave: true));
            for (int i = 0; i < pages; i++)
                if (child.PageNanoseconds[1][i] > 0)
                    ratios.Add((double)child.PageNanoseconds[0][i] / child.PageNanoseconds[1][i]);
            // The median page, not the mean: a child preempted on a busy machine inflates a few pages, not the median.
            first.Add(Median(child.PageNanoseconds[0].Select(x => (double)x).ToList()));
            second.Add(Median(child.PageNanoseconds[1].Select(x => (double)x).ToList()));
            firstMean.Add((double)child.PassNanoseconds[0] / pages);
            secondMean.Add((double)child.PassNanoseconds[1] / pages);
        }

        bool unchanged = !words.ContainsAnyExcept(ParentPattern);
        bool hidden = parent[0].IsPfnHidden;
        var before = child.EntriesBefore;
        var after = child.EntriesAfter;
        bool mapped = before.Count == pages;
        int? shared = hidden || !mapped ? null : Enumerable.Range(0, pages).Count(i => before[i].Pfn == parent[i].Pfn);
        int? copied = hidden || !mapped ? null : Enumerable.Range(0, pages).Count(i => after[i].Pfn is ulong p && p != parent[i].Pfn);
        double f = Median(first), s = Median(second);
        return new CowResult(
            (ulong)m.Address, pages, repeats, f, s, s > 0 ? f / s : double.PositiveInfinity,
            Median(firstMean), Median(secondMean),
            parent[0].Pfn,
            mapped ? before[0].Pfn : null,
            mapped ? after[0].Pfn : null,
            hidden,
            shared,
            copied,
            before.Count(e => e.IsExclusive),
            after.Count(e => e.IsExclusive),
            child.MapCountBefore.Count > 0 ? child.MapCountBefore[0] : null,
            child.MapCountAfter.Count > 0 ? child.MapCountAfter[0] : null,
            child.ValueBefore == ParentPattern,
            unchanged,
            child.Exit.Pid,
            Spread.Of(ratios));
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}

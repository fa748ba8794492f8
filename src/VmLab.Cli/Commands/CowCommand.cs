using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab cow</c>: the seed's cow program.</summary>
internal static class CowCommand
{
    public static Verb Create()
    {
        var pages = Opt.Int("--pages", "pages to write", 256, 1, 65536);
        var repeat = Opt.Int("--repeat", "fork this many times and report the median timings", 3, 1, 100);
        return new Verb("cow", "copy-on-write after fork: the child's first write to a page is slow (a copy), the second fast",
            """
            Fills N private pages in the parent, forks, and lets the child write every page twice, timing each pass.
            The first write to a page faults and the kernel copies it (copy-on-write); the second is a plain store.
            The child also reads its own /proc/self/pagemap before and after: same virtual address, but after the
            write a new frame (root), and the page turns from shared to exclusive (visible without root too).
            The child runs only C code and leaves with _exit (see docs/linux-experiments.md, "fork").
            Each page's two writes are timed back to back, so every first/second ratio sees one moment of the
            machine. A timing that does not hold is EXPLAINED and keeps exit 0; a missing copy is FAILED (exit 1).
            """,
            "pages, first_write_ns_per_page, second_write_ns_per_page, parent_pfn, child_pfn_before_write, child_pfn_after_write, first_vs_second (median, q1, q3: per-page ratios), verdicts [{claim, status, reason}], ...",
            "vmlab cow", "vmlab cow --pages 1024 --repeat 5")
        {
            Linux = true,
            Tour = new("fork does not copy memory; it shares every page read-only and copies a page only when one side " +
                       "writes to it. Watch the child's first write cost a page fault and a copy, and the second cost almost nothing."),
        }.Takes(
            pages,
            repeat)

        .Reports(ctx => CowExperiment.Run((int)ctx.Get(pages), (int)ctx.Get(repeat)), r => VerdictLines.Hold(r.Verdicts), (rep, r) =>
        {
            rep.Intro("cow: copy-on-write after fork",
                "After fork, parent and child map the same frames, write-protected. A write by either side " +
                        "faults, and the kernel gives the writer its own copy of that one page.");
            rep.Fact("region", $"{FrameText.Hex(r.Address)}, {r.Pages} pages filled by the parent before fork");
            rep.Fact("child", $"pid {r.ChildPid}{(r.Repeats > 1 ? $" (last of {r.Repeats} forks; timings are medians)" : "")}");
            rep.Fact("first write, median page", $"{FrameText.Ns(r.FirstWriteNsPerPage)}  (fault + copy; mean {FrameText.Ns(r.FirstWriteMeanNsPerPage)})");
            rep.Fact("second write, median page", $"{FrameText.Ns(r.SecondWriteNsPerPage)}  (plain stores; mean {FrameText.Ns(r.SecondWriteMeanNsPerPage)})");
            rep.Fact("first / second", $"{r.FirstToSecondRatio:0.0}x of the medians; per page {r.FirstVsSecond.AsRatio()}");
            rep.Fact("same virtual address in child", FrameText.YesNo(r.SameVirtualAddress) + " (the child read the parent's data there)");
            rep.Fact("parent frame of page 0", FrameText.Pfn(r.ParentPfn, r.PfnHidden));
            rep.Fact("child frame before write", FrameText.Pfn(r.ChildPfnBeforeWrite, r.PfnHidden));
            rep.Fact("child frame after write", FrameText.Pfn(r.ChildPfnAfterWrite, r.PfnHidden));
            if (r.PagesSharedBeforeWrite is int shared && r.PagesCopiedAfterWrite is int copied)
                rep.Fact("pages on parent frame / copied", $"{shared} of {r.Pages} before write, {copied} of {r.Pages} copied after");
            if (r.MapCountBeforeWrite is long mb)
                rep.Fact("mappers of page 0 (kpagecount)", $"{mb} before write, {r.MapCountAfterWrite?.ToString() ?? "?"} after");
            rep.Fact("child pages exclusive (bit 56)", $"{r.ExclusiveBeforeWrite} of {r.Pages} before write, {r.ExclusiveAfterWrite} after");
            rep.Fact("parent's data unchanged", FrameText.YesNo(r.ParentUnchanged));
            rep.Line();
            rep.Bars("ns per page (median)", [("first write", r.FirstWriteNsPerPage), ("second write", r.SecondWriteNsPerPage)], "ns");
            rep.RootNote(r.PfnHidden, "the frames: the child's page 0 on the parent's frame before the write and on " +
                                            "a new one after it, plus kpagecount (2 mappers, then 1). Without root the " +
                                            "evidence is the exclusive bit: shared before the write, exclusive after");
            VerdictLines.Write(rep, r.Verdicts);
        });
    }
}

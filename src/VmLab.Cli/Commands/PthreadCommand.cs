using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab pthread</c>: the seed's pthread_memory program.</summary>
internal static class PthreadCommand
{
    public static Verb Create()
    {
        var valueOption = Opt.Int("--value", "what the second thread writes (at least 2)", 0xC0FFEE, 2, long.MaxValue);
        return new Verb("pthread", "threads share one address space: same page, same frame, writes visible at once",
            """
            The main thread writes a page; a second thread reads the page's entry from its own view of the page
            table (/proc/thread-self/pagemap) and stores a value; the main thread watches the memory until it sees
            it. Then, for contrast, a forked child stores into the same address and the parent checks whether it
            sees that (it must not: fork copies on write, threads share).
            """,
            "same_pfn, write_visible, fork_write_visible, ...",
            "vmlab pthread", "vmlab pthread --value 0x1234 --json")
        {
            Linux = true,
            Tour = new("Threads are the opposite of fork: one address space, one page table. A store by one thread is " +
                       "seen by the others at once, through the same physical frame. A forked child's store is not."),
        }.Takes(valueOption)
        .Reports(ctx => PthreadExperiment.Run((ulong)ctx.Get(valueOption)), r => r.Holds, (rep, r) =>
        {
            rep.Intro("pthread: threads share pages, fork does not",
                "All threads of a process use one page table, so a virtual address names the same frame in " +
                "every thread and a store is visible to all of them immediately. After fork, parent and " +
                "child have separate page tables; the child's store goes to its own copy.");
            rep.Fact("page", $"{FrameText.Hex(r.Address)} in pid {r.Pid}");
            rep.Fact("threads", $"{r.MainThread} (main), {r.WorkerThread} (worker)");
            rep.Fact("frame seen by main thread", FrameText.Pfn(r.MainPfn, r.PfnHidden));
            rep.Fact("frame seen by worker thread", FrameText.Pfn(r.WorkerPfn, r.PfnHidden));
            rep.Fact("same pagemap entry in both", FrameText.YesNo(r.SameEntry));
            rep.Fact("worker wrote", FrameText.Hex(r.ValueWritten));
            rep.Fact("main thread saw it", r.WriteVisible ? $"yes, {r.VisibleAfterUs:0.0} µs later (no copy, no system call)" : "no");
            rep.Fact("contrast: fork child's write seen", FrameText.YesNo(r.ForkWriteVisible) + " (the child wrote its own copy)");
            rep.RootNote(r.PfnHidden, "the frame number both threads map (the same one)");
            rep.Verdict(r.Holds, "threads share the page and see each other's writes at once; a forked child's write stays in the child",
                "threads did not share the page as expected (see the facts above)");
        });
    }
}

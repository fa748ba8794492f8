using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab anon</c>: the seed's anon_mmap program.</summary>
internal static class AnonCommand
{
    public static Verb Create()
    {
        var bytes = Opt.Size("--bytes", "size of the mapping (K/M suffixes allowed)", 4096, 64, 1L << 30);
        return new Verb("anon", "anonymous mmap: no physical page until the first write, and it comes zero-filled",
            """
            Maps a private anonymous region (MAP_PRIVATE|MAP_ANONYMOUS), asks /proc/self/pagemap whether its first
            page is in RAM, writes a string into it, asks again, checks that the rest of the page reads as zeros,
            and unmaps it. Shows the frame (PFN) and physical address behind the page when run as root; without
            root the frame is reported as hidden.
            """,
            "present_before_write, present_after_write, zero_filled, pfn, ...",
            "vmlab anon", "vmlab anon --bytes 64K --json")
        {
            Linux = true,
            Tour = new("Anonymous memory is a promise, not a page: mmap only reserves addresses. The kernel hands out a " +
                       "zero-filled frame on the first write, through a page fault."),
        }.Takes(bytes)
        .Reports(ctx => AnonExperiment.Run((int)ctx.Get(bytes)), r => r.Holds, (rep, r) =>
        {
            rep.Intro("anon: a private anonymous mapping gets its page on first write",
                "mmap(MAP_PRIVATE|MAP_ANONYMOUS) creates addresses without memory behind them. The first " +
                "write faults; the kernel then allocates a frame, fills it with zeros and maps it.");
            rep.Fact("mapping", $"{FrameText.Hex(r.Address)} ({Numbers.FormatSize(r.Bytes)}, MAP_PRIVATE|MAP_ANONYMOUS)");
            rep.Fact("page present before write", $"{FrameText.YesNo(r.PresentBeforeWrite)} [{r.FlagsBeforeWrite}]");
            rep.Fact("wrote", $"\"{r.Message}\" (read back \"{r.ReadBack}\")");
            rep.Fact("page present after write", $"{FrameText.YesNo(r.PresentAfterWrite)} [{r.FlagsAfterWrite}]");
            rep.Fact("frame (PFN)", FrameText.Pfn(r.Pfn, r.PfnHidden));
            rep.Fact("physical address", FrameText.Hex(r.PhysicalAddress, r.PfnHidden ? FrameText.Hidden : "none"));
            if (r.MapCount is long c)
                rep.Fact("mappers of the frame (kpagecount)", c);
            rep.Fact("rest of the page zero-filled", FrameText.YesNo(r.ZeroFilled));
            rep.Fact("page present after munmap", FrameText.YesNo(r.PresentAfterUnmap));
            rep.RootNote(r.PfnHidden, "the frame number, its physical address and how many mappers share it");
            rep.Verdict(r.Holds, "no page before the write; a zero-filled page after it; gone after munmap",
                "the page did not appear and disappear as expected (see the facts above)");
        });
    }
}

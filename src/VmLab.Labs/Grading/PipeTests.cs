using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static VmLab.Labs.Grading.TestContext;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of H2: the pipe kernel delivers, cheaply, and still checks its buffers.</summary>
internal static class PipeTests
{
    private const int Messages = 40;

    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("pipe_intact", "pipe", 8, $"pipewriter sends {Messages} random messages, pipereader receives the same bytes in order (checksums)", t => Pipe(t, cheap: false)),
        new("pipe_two_syscalls", "pipe", 7, "at most 2 pipe syscalls per message (one write, one read): batch, block, hand the CPU over", t => Pipe(t, cheap: true)),
        new("pipe_bad_buffers", "pipe", 5, "pipewrite of a kernel buffer to a full pipe, piperead into a kernel or read-only buffer, either with len > MaxWrite: -1, whatever the pipe holds; len = MaxWrite is served", BadBuffers),
        new("pipe_page_boundary", "pipe", 5, "xv6 usertests-style boundaries: valid buffers crossing onto the next page mapped to a frame that is not the next one (bytes intact, no other frame touched), and buffers running into an unmapped page (-1)", PageBoundary),
    ];

    private const string Sixteen = "0123456789abcdef";

    private static void PageBoundary(TestContext t)
    {
        const ulong At = Probe.Split + 0xff8;       // 8 bytes on the first page, 8 on the second
        ulong between = 0;
        var write = Probe.Call(t, "pipewrite of a 16-byte buffer that crosses onto the next page", SyscallAbi.PipeWrite, At, 16, layout: (k, p) =>
        {
            between = Probe.SplitPages(k, p).Between;
            for (int i = 0; i < 16; i++) k.Memory.WriteByte(p.PageTable.Iter(At + (ulong)i).Pa, (byte)Sixteen[i]);
        });
        Require(write.Result == 16, $"pipewrite of a valid 16-byte buffer that crosses onto the next page returned {write.Result}, want 16");
        var got = new byte[16];
        write.Kernel.Pipe.Pop(got);
        Require(System.Text.Encoding.ASCII.GetString(got) == Sixteen,
            $"pipewrite of a buffer that crosses onto a frame that is not the next one put \"{System.Text.Encoding.ASCII.GetString(got)}\" in the pipe, want \"{Sixteen}\": copy each page through its own translation (k.TryCopyFromUser does)");
        RequireClean(write.Kernel, "the pipe kernel");

        bool zsIntact = false;
        var read = Probe.Call(t, "piperead into a 16-byte buffer that crosses onto the next page", SyscallAbi.PipeRead, At, 16,
            setup: k => k.Pipe.Push(System.Text.Encoding.ASCII.GetBytes(Sixteen)),
            layout: (k, p) => between = Probe.SplitPages(k, p).Between,
            atExit: (k, p) => zsIntact = k.Memory.FrameSpan(between).IndexOfAnyExcept((byte)'Z') < 0);
        Require(read.Result == 16, $"piperead into a valid 16-byte buffer that crosses onto the next page returned {read.Result}, want 16");
        Require(zsIntact,
            $"piperead into a buffer that crosses onto a frame that is not the next one wrote into frame 0x{between:x}, which the buffer does not map (another page's memory): copy each page through its own translation (k.TryCopyToUser does)");
        RequireClean(read.Kernel, "the pipe kernel");

        var unmappedWrite = Probe.Call(t, "pipewrite of a buffer running into an unmapped page", SyscallAbi.PipeWrite, At, 16, layout: (k, p) => Probe.SplitPages(k, p, second: false));
        Require(unmappedWrite.Result == -1, $"pipewrite of a buffer running into an unmapped page returned {unmappedWrite.Result}, want -1: every byte must be user-readable");
        var unmappedRead = Probe.Call(t, "piperead into a buffer running into an unmapped page", SyscallAbi.PipeRead, At, 16,
            setup: k => k.Pipe.Push(System.Text.Encoding.ASCII.GetBytes(Sixteen)), layout: (k, p) => Probe.SplitPages(k, p, second: false));
        Require(unmappedRead.Result == -1, $"piperead into a buffer running into an unmapped page returned {unmappedRead.Result}, want -1: every byte must be user-writable");
        foreach (var o in new[] { unmappedWrite, unmappedRead }) RequireClean(o.Kernel, "the pipe kernel");
    }

    private static void Pipe(TestContext t, bool cheap)
    {
        var k = t.Boot();
        k.Spawn("pipewriter", Messages);
        k.Spawn("pipereader", Messages);
        Run(k, "the pipe kernel", steps: 50_000_000);
        var lines = k.Console.Split('\n');
        string? sent = lines.FirstOrDefault(l => l.StartsWith("pipewriter: ", StringComparison.Ordinal));
        string? got = lines.FirstOrDefault(l => l.StartsWith("pipereader: ", StringComparison.Ordinal));
        Require(sent is not null && got is not null, $"the programs did not finish: pipewriter {(sent is null ? "never" : "did")} reported, pipereader {(got is null ? "never" : "did")} (a sleeper nobody woke?)");
        Require(sent!["pipewriter: ".Length..].Replace("sent", "received") == got!["pipereader: ".Length..],
            $"the messages arrived damaged, lost or out of order: \"{sent}\" but \"{got}\"");
        RequireClean(k, "the pipe kernel");
        double perMessage = (double)k.PipeSyscalls / Messages;
        if (cheap)
            Require(perMessage <= 2, $"{perMessage:0.##} pipe syscalls per message; the minimum is 2 (move many bytes per call, sleep instead of answering 0, let the woken reader run)");
    }

    private static void BadBuffers(TestContext t)
    {
        var full = Probe.Call(t, "pipewrite(0x40000, 16) to a full pipe", SyscallAbi.PipeWrite, 0x40000, 16, setup: k => k.Pipe.Push(new byte[Kernel.PipeSize]));
        Require(full.Result == -1, $"pipewrite(0x40000, 16) to a full pipe returned {full.Result}, want -1: check the buffer even when nothing fits");
        var empty = Probe.Call(t, "piperead(0x40000, 16) from an empty pipe", SyscallAbi.PipeRead, 0x40000, 16);
        Require(empty.Result == -1, $"piperead(0x40000, 16) from an empty pipe returned {empty.Result}, want -1: check the buffer even when nothing waits");
        var readOnly = Probe.Call(t, "piperead(0x100000, 16) into read-only code", SyscallAbi.PipeRead, 0x100000, 16, setup: k => k.Pipe.Push("0123456789abcdef"u8));
        Require(readOnly.Result == -1, $"piperead(0x100000, 16) into the caller's read-only code returned {readOnly.Result}, want -1");
        var kernelRead = Probe.Call(t, "piperead(0x40000, 16) with bytes waiting", SyscallAbi.PipeRead, 0x40000, 16, setup: k => k.Pipe.Push("0123456789abcdef"u8));
        Require(kernelRead.Result == -1, $"piperead(0x40000, 16) with bytes waiting returned {kernelRead.Result}, want -1: that is kernel memory");
        Require(!kernelRead.Kernel.Memory.FrameSpan(0x40000)[..16].SequenceEqual("0123456789abcdef"u8), "piperead wrote the pipe's bytes into kernel memory");
        const ulong Big = VmLab.Sim.Kernel.KernelLayout.MaxWrite + 1;
        var bigWrite = Probe.Call(t, $"pipewrite(0x{Probe.Split:x}, {Big}) of a readable buffer", SyscallAbi.PipeWrite, Probe.Split, Big, layout: (k, p) => Probe.SplitPages(k, p));
        Require(bigWrite.Result == -1,
            $"pipewrite of {Big} bytes, one more than MaxWrite, returned {bigWrite.Result}, want -1: len more than MaxWrite is refused, even for a readable buffer");
        var bigRead = Probe.Call(t, $"piperead(0x{Probe.Split:x}, {Big}) into a writable buffer", SyscallAbi.PipeRead, Probe.Split, Big,
            setup: k => k.Pipe.Push("0123456789abcdef"u8), layout: (k, p) => Probe.SplitPages(k, p));
        Require(bigRead.Result == -1, $"piperead of {Big} bytes, one more than MaxWrite, returned {bigRead.Result}, want -1: len more than MaxWrite is refused, even for a writable buffer");
        const ulong Most = VmLab.Sim.Kernel.KernelLayout.MaxWrite;
        var mostWrite = Probe.Call(t, $"pipewrite(0x{Probe.Split:x}, {Most}) of a readable buffer", SyscallAbi.PipeWrite, Probe.Split, Most, layout: (k, p) => Probe.SplitPages(k, p));
        Require(mostWrite.Result > 0,
            $"pipewrite of exactly MaxWrite ({Most}) bytes of a readable buffer into an empty pipe returned {mostWrite.Result}, want the bytes that fit: len may be MaxWrite itself, only more is refused");
        var mostRead = Probe.Call(t, $"piperead(0x{Probe.Split:x}, {Most}) into a writable buffer", SyscallAbi.PipeRead, Probe.Split, Most,
            setup: k => k.Pipe.Push("0123456789abcdef"u8), layout: (k, p) => Probe.SplitPages(k, p));
        Require(mostRead.Result is > 0 and <= 16,
            $"piperead of exactly MaxWrite ({Most}) bytes into a writable buffer with 16 bytes waiting returned {mostRead.Result}, want the bytes it moved: len may be MaxWrite itself, only more is refused");
        foreach (var o in new[] { full, empty, readOnly, kernelRead, bigWrite, bigRead, mostWrite, mostRead }) RequireClean(o.Kernel, "the pipe kernel");
    }
}

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
        new("pipe_bad_buffers", "pipe", 5, "pipewrite of a kernel buffer to a full pipe, piperead into a kernel or read-only buffer: -1, whatever the pipe holds", BadBuffers),
    ];

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
        foreach (var o in new[] { full, empty, readOnly, kernelRead }) RequireClean(o.Kernel, "the pipe kernel");
    }
}

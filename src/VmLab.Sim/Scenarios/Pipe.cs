using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>What the pipe scenario measured (seed 003 H1/H2).</summary>
/// <param name="Kernel">the pipe kernel: naive, blocking, batching or best.</param>
/// <param name="Messages">messages the writer sent.</param>
/// <param name="MessagesDelivered">messages the reader reported receiving.</param>
/// <param name="Intact">every message arrived, in order, with matching checksums.</param>
/// <param name="PipeSyscalls">pipewrite and piperead calls (a call restarted after sleeping counts once).</param>
/// <param name="SyscallsPerMessage">pipe syscalls per message: 2 is the minimum (one write, one read).</param>
public sealed record PipeRun(string Kernel, int Messages, int MessagesDelivered, bool Intact, long PipeSyscalls, double SyscallsPerMessage);

public abstract partial class Scenario
{
    /// <summary>H1/H2: pipewriter to pipereader through a kernel pipe, on one of four pipe kernels.</summary>
    public static Scenario Pipe { get; } = new PipeScenario();
}

file sealed class PipeScenario() : Scenario<Booted>("pipe", 90,
    "H1/H2: pipewriter to pipereader through a kernel pipe (--kernel naive|blocking|batching|best)",
    "H2: the same two programs through four kernels. Blocking, batching and scheduling each cut the syscalls a " +
    "message costs; together they reach the minimum, one write and one read.")
{
    public override string FirstLook => "Processes: syscalls by name for the writer and the reader; the console counts messages.";

    public override string NextStep => "Boot kernel naive and kernel best with the same messages and compare the syscalls per message.";

    // Each word names a teaching pipe seam: one more technique switched on at a time.
    private static readonly ChoiceOption<IPipeKernel> Variant = new("kernel",
        "naive: 1 byte per call, busy polling (the handout); blocking: sleep on an empty or full pipe; batching: whole " +
        "messages per call; best: batching + blocking + handing the CPU to the woken reader", "best",
        ("naive", TeachingPipe.Naive), ("blocking", TeachingPipe.Blocking), ("batching", TeachingPipe.Batching), ("best", TeachingPipe.Best));

    private static readonly IntOption Messages = new("messages", "messages to send", 100, 1, 1_000_000);

    private protected override IReadOnlyList<ScenarioOption> Own => [Variant, Messages];

    public override IReadOnlyList<(ScenarioOption Option, object Value)> TourSettings => [(Variant, "best"), (Messages, 200L)];

    public override Type ExtraType => typeof(PipeRun);

    // The checker after every 1000th kernel entry: a naive pipe makes hundreds of thousands of them.
    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args, KernelSeams.Reference with { PipeKernel = args.Get(Variant) }, checkEvery: 1000);
        k.Spawn("pipewriter", (ulong)args.Get(Messages));
        k.Spawn("pipereader", (ulong)args.Get(Messages));
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        var k = booted.Kernel;
        int messages = (int)args.Get(Messages);
        string name = args.Word(Variant);
        // A run that used its whole instruction budget was stopped, not finished: say so instead of "lost".
        bool outOfBudget = k.Instructions >= args.Steps && k.Panic is null;
        var lines = k.Console.Split('\n');
        var w = Parse(lines, "pipewriter: ", " messages sent, checksum ");
        var r = Parse(lines, "pipereader: ", " messages received, checksum ");
        bool intact = w is not null && r is not null && w == r && w.Value.Count == messages;
        var run = new PipeRun(name, messages, (int)(r?.Count ?? 0), intact, k.PipeSyscalls, Math.Round((double)k.PipeSyscalls / messages, 3));
        bool ok = intact && (name != "best" || run.SyscallsPerMessage <= 2);
        return new($"pipewriter sends {messages} random messages through the kernel pipe ({SimKernel.PipeSize} bytes); pipereader checks them. Kernel: {name}.",
            ok, ok ? $"{messages} messages delivered intact and in order, {run.SyscallsPerMessage} pipe syscalls per message"
                : intact ? $"delivered intact, but {run.SyscallsPerMessage} syscalls per message is above the minimum of 2"
                : outOfBudget ? $"ran out of its step budget ({args.Steps} instructions) before all {messages} messages were through: raise --steps"
                : "messages were lost, damaged or reordered")
        {
            Facts = [new("kernel", name), new("syscalls per message", run.SyscallsPerMessage.ToString()),
                     new("messages delivered", $"{run.MessagesDelivered} of {messages}"), new("checksums match", intact ? "yes" : "no")],
            Extra = run,
        };
    }

    private static (long Count, ulong Sum)? Parse(string[] lines, string prefix, string middle)
    {
        string? line = lines.FirstOrDefault(l => l.StartsWith(prefix));
        if (line is null) return null;
        var parts = line[prefix.Length..].Split(middle);
        return parts.Length == 2 && long.TryParse(parts[0], out long n) && ulong.TryParse(parts[1], out ulong s) ? (n, s) : null;
    }
}

namespace VmLab.Sim.Kernel;

/// <summary>What the pipe scenario measured (seed 003 H1/H2).</summary>
public sealed record PipeRun(string Kernel, int Messages, int MessagesDelivered, bool Intact, long PipeSyscalls,
    double SyscallsPerMessage, long Instructions, long ContextSwitches);

public static partial class Scenarios
{
    /// <summary>Runs pipewriter and pipereader for <paramref name="messages"/> messages on one pipe variant.</summary>
    public static (PipeRun Pipe, ScenarioResult Result) Pipe(PipeKernel variant, int messages, ScenarioOptions? options = null)
    {
        var o = options ?? new ScenarioOptions();
        var k = new Kernel(new KernelOptions { CheckEvery = 1000, Pipe = variant, WallTime = o.WallTime }) { TraceEnabled = o.Trace, RecordFullest = o.View, ViewColor = o.ViewColor };
        k.Spawn("pipewriter", (ulong)messages);
        k.Spawn("pipereader", (ulong)messages);
        // A run that used its whole instruction budget was stopped, not finished: say so instead of "lost".
        bool outOfBudget = k.Run(o.Steps) >= o.Steps && k.Panic is null;
        var lines = k.Console.Split('\n');
        var w = Parse(lines, "pipewriter: ", " messages sent, checksum ");
        var r = Parse(lines, "pipereader: ", " messages received, checksum ");
        bool intact = w is not null && r is not null && w == r && w.Value.Count == messages;
        var run = new PipeRun(variant.ToString().ToLowerInvariant(), messages, (int)(r?.Count ?? 0), intact, k.PipeSyscalls,
            Math.Round((double)k.PipeSyscalls / messages, 3), k.Instructions, k.ContextSwitches);
        string name = run.Kernel;
        bool ok = intact && (variant != PipeKernel.Best || run.SyscallsPerMessage <= 2);
        var result = Finish(k, "pipe",
            $"pipewriter sends {messages} random messages through the kernel pipe ({Kernel.PipeSize} bytes); pipereader checks them. Kernel: {name}.",
            o, ok, ok ? $"{messages} messages delivered intact and in order, {run.SyscallsPerMessage} pipe syscalls per message"
                      : intact ? $"delivered intact, but {run.SyscallsPerMessage} syscalls per message is above the minimum of 2"
                      : outOfBudget ? $"ran out of its step budget ({o.Steps} instructions) before all {messages} messages were through: raise --steps"
                      : "messages were lost, damaged or reordered",
            [new("kernel", name), new("syscalls per message", run.SyscallsPerMessage.ToString()),
             new("messages delivered", $"{run.MessagesDelivered} of {messages}"), new("checksums match", intact ? "yes" : "no")]);
        return (run, result);
    }

    private static (long Count, ulong Sum)? Parse(string[] lines, string prefix, string middle)
    {
        string? line = lines.FirstOrDefault(l => l.StartsWith(prefix));
        if (line is null) return null;
        var parts = line[prefix.Length..].Split(middle);
        return parts.Length == 2 && long.TryParse(parts[0], out long n) && ulong.TryParse(parts[1], out ulong s) ? (n, s) : null;
    }
}

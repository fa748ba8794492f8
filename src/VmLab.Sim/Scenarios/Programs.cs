using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>
    /// The report of a run of the user's own programs (`sim run --program`) on <paramref name="k"/>, in the
    /// scenario shape ("program"): it passes when every process exited, with any status, nothing was killed, the
    /// kernel did not panic, and memory is clean (checked as every scenario checks it).
    /// </summary>
    public static ScenarioResult Programs(SimKernel k)
    {
        var killed = k.History.FirstOrDefault(p => p.KillReason is not null);
        int running = k.Processes.Count;
        string verdict = k.Panic is { } panic ? $"the kernel panicked: {panic}"
            : running > 0 ? $"{running} process(es) still running after {k.Instructions} instructions (raise --steps)"
            : killed is not null ? $"pid {killed.Pid} ({killed.Name}) was killed: {killed.KillReason}"
            : $"every program exited ({string.Join(", ", k.History.Select(p => $"{p.Name}: {p.ExitStatus}"))})";
        return ScenarioResult.Of(k, "program", new("the user's own ELF programs, each a process on the teaching kernel",
            k.Panic is null && running == 0 && killed is null, verdict));
    }
}

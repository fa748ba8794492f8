using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Viewer;

/// <summary>What a step request did: instructions retired, the step reached, and the events it produced.</summary>
public sealed record StepResult(long Retired, long Step, long NewEvents, bool Finished);

/// <summary>
/// A scenario's machine under a viewer's control: step one instruction, N instructions, or until the kernel
/// records an event; rewind to any earlier step. Runs are deterministic (the kernel checks memory at kernel
/// entries only, however the run is chopped up), so rewinding boots the scenario again and replays.
/// Not thread-safe: callers serialise access (one request at a time per session).
/// </summary>
public sealed class MachineSession
{
    /// <summary>The most instructions one request may run (stepping, running to an event, replaying).</summary>
    public const long MaxInstructions = 20_000_000;

    /// <summary>
    /// Boots <paramref name="scenario"/> as <see cref="Scenario.Start"/> does, with events recorded, at step 0.
    /// Throws <see cref="ArgumentException"/> for options the scenario refuses together.
    /// </summary>
    public MachineSession(Scenario scenario, ScenarioArgs? args = null)
    {
        Scenario = scenario;
        Args = args ?? new ScenarioArgs();
        Kernel = Boot();
    }

    /// <summary>The scenario the machine runs.</summary>
    public Scenario Scenario { get; }

    /// <summary>The scenario's settings (defaults when none were given).</summary>
    public ScenarioArgs Args { get; }

    /// <summary>
    /// The machine at the current step; replaced by a fresh boot on <see cref="Reset"/> and on a backward
    /// <see cref="Seek"/>, so do not keep it across those.
    /// </summary>
    public SimKernel Kernel { get; private set; }

    /// <summary>Instructions retired since boot: the position on the timeline.</summary>
    public long Step => Kernel.Instructions;

    /// <summary>The furthest step this session has reached (the timeline's right end).</summary>
    public long Furthest { get; private set; }

    /// <summary>No process can run (all ended or blocked), the kernel panicked, or the scenario's instruction
    /// budget (<see cref="ScenarioArgs.Steps"/>) is spent.</summary>
    public bool Finished => Kernel.Panic is not null || Step >= Args.Steps || !Kernel.Processes.Any(p => p.State == ProcessState.Runnable);

    /// <summary>Runs up to <paramref name="count"/> instructions (1 to <see cref="MaxInstructions"/>).</summary>
    public StepResult StepBy(long count)
    {
        if (count < 1 || count > MaxInstructions)
            throw new ArgumentOutOfRangeException(nameof(count), $"count must be between 1 and {MaxInstructions}");
        return Advance(count, untilEvent: false);
    }

    /// <summary>Runs until the kernel records an event (syscall, fault, context switch, exit, checker error),
    /// or <see cref="MaxInstructions"/> instructions pass without one.</summary>
    public StepResult StepUntilEvent() => Advance(MaxInstructions, untilEvent: true);

    /// <summary>Puts the machine at <paramref name="step"/> (0 to <see cref="Furthest"/>): forward by running,
    /// otherwise by booting again and replaying. The machine at step N is the one a single run of N
    /// instructions leaves: a fault is not handled until the instruction that takes it runs, so seeking to a
    /// fault event's step shows the moment just before the fault (running to that event shows it handled).</summary>
    public StepResult Seek(long step)
    {
        if (step < 0 || step > Furthest)
            throw new ArgumentOutOfRangeException(nameof(step), $"step must be between 0 and {Furthest}");
        if (step <= Step) Kernel = Boot();
        long events = Kernel.EventCount, before = Step;
        while (Step < step)
            if (Kernel.Run(step - Step) == 0) break;
        return new StepResult(Step - before, Step, Kernel.EventCount - events, Finished);
    }

    /// <summary>Back to step 0 (the timeline keeps its right end).</summary>
    public void Reset() => Kernel = Boot();

    /// <summary>
    /// The machine as the web view shows it, with at most <paramref name="maxEvents"/> of the latest kernel events.
    /// Its "finished" is the session's (<see cref="Finished"/>): a spent instruction budget ends the run too.
    /// </summary>
    public MachineSnapshot Snapshot(int maxEvents = 200) =>
        MachineSnapshot.Of(Kernel, maxEvents) with { Scenario = Scenario.Name, Furthest = Math.Max(Furthest, Step), Finished = Finished };

    /// <summary>The walk of <paramref name="va"/> in <paramref name="pid"/>'s table; null for a pid not alive.</summary>
    public PageWalk? Walk(int pid, ulong va, Access access) => PageWalk.Of(Kernel, pid, va, access);

    private StepResult Advance(long count, bool untilEvent)
    {
        long events = Kernel.EventCount, before = Step;
        Kernel.StopAtEvent = untilEvent;
        try
        {
            Kernel.Run(Math.Min(count, Math.Max(0, Args.Steps - Step)));
        }
        finally
        {
            Kernel.StopAtEvent = false;
        }
        Furthest = Math.Max(Furthest, Step);
        return new StepResult(Step - before, Step, Kernel.EventCount - events, Finished);
    }

    private SimKernel Boot()
    {
        var k = Scenario.Start(Args);
        k.RecordEvents = true;
        return k;
    }
}

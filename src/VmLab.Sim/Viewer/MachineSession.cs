using System.Diagnostics;
using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Viewer;

/// <summary>What a step request did: instructions retired, the step reached, and the events it produced.</summary>
public sealed record StepResult(long Retired, long Step, long NewEvents, bool Finished);

/// <summary>
/// A scenario's machine under a viewer's control: step one instruction, N instructions, or until the kernel
/// records an event; go to any earlier step. Runs are deterministic (the kernel checks memory at kernel
/// entries only, however the run is chopped up), so going back restores the nearest <see cref="Checkpoints"/>
/// entry and replays from there: a seek costs at most one gap between checkpoints, wherever it goes.
/// Every call can be given a time limit and then returns early, having run in short pieces, so a caller can
/// interleave other work; called again it carries on. Not thread-safe: callers serialise access.
/// </summary>
public sealed class MachineSession
{
    /// <summary>The most instructions one request may run (stepping, running to an event).</summary>
    public const long MaxInstructions = 20_000_000;

    // Pieces of run between two looks at the clock: about PieceTime each, whatever the scenario's speed.
    private static readonly TimeSpan PieceTime = TimeSpan.FromMilliseconds(4);
    private const long MinPiece = 64, MaxPiece = 1 << 20;

    private readonly Func<(bool Passed, string Verdict)> _judge;
    private (long Step, bool Passed, string Verdict)? _verdict;
    private long _piece = 1024;
    private TimeSpan _sinceLatest;       // run time since the machine was at the latest checkpoint's step
    private bool _pastStep;              // stopped at an event: a fault already handled, the next process dispatched

    /// <summary>
    /// Boots <paramref name="scenario"/> as <see cref="Scenario.Start"/> does, with events recorded, at step 0.
    /// Throws <see cref="ArgumentException"/> for options the scenario refuses together. <paramref name="checkpoints"/>
    /// sets how often checkpoints are taken and how many are kept (the defaults when not given).
    /// </summary>
    public MachineSession(Scenario scenario, ScenarioArgs? args = null, Checkpoints? checkpoints = null)
    {
        Checkpoints = checkpoints ?? new Checkpoints();
        if (Checkpoints.Count > 0) throw new ArgumentException("checkpoints: give a fresh set, not one in use", nameof(checkpoints));
        Scenario = scenario;
        Args = args ?? new ScenarioArgs();
        (Kernel, _judge) = Scenario.Launch(Args);
        Kernel.RecordEvents = true;
        Checkpoints.Add(Kernel, TimeSpan.Zero);
    }

    /// <summary>The scenario the machine runs.</summary>
    public Scenario Scenario { get; }

    /// <summary>The scenario's settings (defaults when none were given).</summary>
    public ScenarioArgs Args { get; }

    /// <summary>The machine at the current step (the same object throughout: going back restores it in place).</summary>
    public SimKernel Kernel { get; }

    /// <summary>The checkpoints going back restores from.</summary>
    public Checkpoints Checkpoints { get; }

    /// <summary>Instructions retired since boot: the position on the timeline.</summary>
    public long Step => Kernel.Instructions;

    /// <summary>The furthest step this session has reached (the timeline's right end).</summary>
    public long Furthest { get; private set; }

    /// <summary>Instructions the last <see cref="Seek"/> ran (after restoring a checkpoint, if it did).</summary>
    public long LastReplay { get; private set; }

    /// <summary>No process can run (all ended or blocked), the kernel panicked, or the scenario's instruction
    /// budget (<see cref="ScenarioArgs.Steps"/>) is spent.</summary>
    public bool Finished => Kernel.Panic is not null || Step >= Args.Steps || !Kernel.Processes.Any(p => p.State == ProcessState.Runnable);

    /// <summary>Runs up to <paramref name="count"/> instructions (1 to <see cref="MaxInstructions"/>), stopping early
    /// once <paramref name="limit"/> has passed (infinite when not given).</summary>
    public StepResult StepBy(long count, TimeSpan? limit = null)
    {
        if (count < 1 || count > MaxInstructions)
            throw new ArgumentOutOfRangeException(nameof(count), $"count must be between 1 and {MaxInstructions}");
        return Advance(count, untilEvent: false, limit);
    }

    /// <summary>Runs until the kernel records an event (syscall, fault, context switch, exit, checker error),
    /// or <paramref name="count"/> instructions pass without one, or <paramref name="limit"/> passes.</summary>
    public StepResult StepUntilEvent(long count = MaxInstructions, TimeSpan? limit = null)
    {
        if (count < 1 || count > MaxInstructions)
            throw new ArgumentOutOfRangeException(nameof(count), $"count must be between 1 and {MaxInstructions}");
        return Advance(count, untilEvent: true, limit);
    }

    /// <summary>
    /// Puts the machine at <paramref name="step"/> (0 to <see cref="Furthest"/>): from the nearest checkpoint at or
    /// before it, or from here when here is nearer, by running. The machine at step N is the one a single run of N
    /// instructions leaves: a fault is not handled until the instruction that takes it runs, so seeking to a fault
    /// event's step shows the moment just before the fault (running to that event shows it handled). With a
    /// <paramref name="limit"/> it may stop short of <paramref name="step"/>: call it again to go on.
    /// </summary>
    public StepResult Seek(long step, TimeSpan? limit = null)
    {
        if (step < 0 || step > Furthest)
            throw new ArgumentOutOfRangeException(nameof(step), $"step must be between 0 and {Furthest}");
        long events = Kernel.EventCount, before = Step;
        var from = Checkpoints.AtOrBefore(step);
        if (step < Step || from.Step > Step || (step == Step && _pastStep)) Restore(from);
        long start = Step;
        Run(step, untilEvent: false, limit, Stopwatch.StartNew());
        LastReplay = Step - start;
        return new StepResult(Step - before, Step, Kernel.EventCount - events, Finished);
    }

    /// <summary>Back to step 0 (the timeline keeps its right end).</summary>
    public void Reset() => Restore(Checkpoints.AtOrBefore(0));

    /// <summary>
    /// The machine as the web view shows it, with at most <paramref name="maxEvents"/> of the latest kernel events.
    /// Its "finished" is the session's (<see cref="Finished"/>): a spent instruction budget ends the run too.
    /// </summary>
    public MachineSnapshot Snapshot(int maxEvents = 200) =>
        MachineSnapshot.Of(Kernel, maxEvents, Scenario.Image) with
        {
            Scenario = Scenario.Name, Furthest = Math.Max(Furthest, Step), Finished = Finished,
            StudentSeams = Args.Seams?.Names ?? [], CheckerFindings = ScenarioResult.Findings(Kernel),
            Passed = Verdict()?.Passed, Verdict = Verdict()?.Verdict,
        };

    // The scenario's verdict once the machine has finished (judged once per step it finishes at).
    private (bool Passed, string Verdict)? Verdict()
    {
        if (!Finished) return null;
        if (_verdict is not { } v || v.Step != Step)
        {
            var (passed, verdict) = _judge();
            _verdict = v = (Step, passed, verdict);
        }
        return (v.Passed, v.Verdict);
    }

    /// <summary>The walk of <paramref name="va"/> in <paramref name="pid"/>'s table; null for a pid not alive.</summary>
    public PageWalk? Walk(int pid, ulong va, Access access) =>
        PageWalk.Of(Kernel, pid, va, access) is { } walk
            ? walk with { Symbol = Kernel.Find(pid) is { } p && (p.Image ?? Scenario.Image(p.Name))?.SymbolFor(va) is { } s ? (s.Address == va ? s.Name : $"{s.Name}+0x{va - s.Address:x}") : null }
            : null;

    private StepResult Advance(long count, bool untilEvent, TimeSpan? limit)
    {
        long events = Kernel.EventCount, before = Step;
        Kernel.StopAtEvent = untilEvent;
        try
        {
            long end = before + Math.Min(count, Math.Max(0, Args.Steps - Step));
            Run(end, untilEvent, limit, Stopwatch.StartNew());
            if (Step > before) _pastStep = false;
            if (untilEvent && Step < end && Kernel.EventCount > events) _pastStep = true;
        }
        finally
        {
            Kernel.StopAtEvent = false;
        }
        Furthest = Math.Max(Furthest, Step);
        return new StepResult(Step - before, Step, Kernel.EventCount - events, Finished);
    }

    private void Restore(KernelCheckpoint c)
    {
        Kernel.Restore(c, Checkpoints.Records);
        _pastStep = false;
        if (c == Checkpoints.Latest) _sinceLatest = TimeSpan.Zero;
    }

    // Runs to step end in pieces, taking a checkpoint past the latest one whenever a gap's worth of run has gone by.
    // A piece never crosses the latest checkpoint's step (landing on it restarts the gap clock) nor the step where
    // the next is due by count. Only a piece that
    // ran its whole budget leaves the machine a plain run of that many instructions leaves (an event stop may
    // have dispatched the next process already), so only such a stop is a checkpoint.
    private void Run(long end, bool untilEvent, TimeSpan? limit, Stopwatch clock)
    {
        long events = Kernel.EventCount;
        while (Step < end && !(untilEvent && Kernel.EventCount > events))
        {
            long latest = Checkpoints.Latest.Step;
            long stop = Step < latest ? latest : latest + Checkpoints.MaxSpacing;
            long n = Math.Min(Math.Min(end, stop) - Step, _piece);
            var started = clock.Elapsed;
            long ran = Kernel.Run(n);
            var took = clock.Elapsed - started;
            _piece = took < PieceTime / 2 ? Math.Min(_piece * 2, MaxPiece) : took > PieceTime * 2 ? Math.Max(_piece / 2, MinPiece) : _piece;
            if (Step == latest) _sinceLatest = TimeSpan.Zero;
            else if (Step > latest)
            {
                _sinceLatest += took;
                if (ran == n && (_sinceLatest >= Checkpoints.Spacing || Step - latest >= Checkpoints.MaxSpacing))
                {
                    Checkpoints.Add(Kernel, _sinceLatest);
                    _sinceLatest = TimeSpan.Zero;
                }
            }
            if (ran < n || (limit is { } l && clock.Elapsed >= l)) break;
        }
    }
}

using System.Text.Json.Serialization;
using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>A process as a scenario reports it.</summary>
public sealed record ProcessSummary(int Pid, string Name, string State, int Parent, long? ExitStatus, string? KillReason,
    long Instructions, long Syscalls, string PageTableRoot);

/// <summary>A labelled table for the human report (inspect's mappings).</summary>
public sealed record ScenarioTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>The kernel event that caused a checker finding: the kernel entry after which the checker saw the problem,
/// or an earlier syscall in which the kernel, acting for its caller, touched another's memory (<see cref="Deputy"/>).</summary>
public sealed record FindingCause(long Step, string Kind, int Pid, string Text)
{
    /// <summary>What the confused deputy did ("confused deputy: in page_alloc, acting for pid 2, the kernel wrote 0x5000:
    /// pid 1 (alice)'s page table (its PML4)"); null when the cause is simply the entry before the finding.</summary>
    public string? Deputy { get; init; }
}

/// <summary>One problem the memory checker found, at the step it was found, with the event that caused it (the kernel
/// entry just handled; null when events were not recorded or the cause is no longer kept).</summary>
public sealed record CheckerFinding(long Step, string Text, FindingCause? Cause);

/// <summary>Everything a scenario observed. Every number comes from the run.</summary>
public sealed record ScenarioResult
{
    /// <summary>The scenario's name ("fork", "pipe"...), or "program" for a run of the user's own programs.</summary>
    public required string Scenario { get; init; }
    /// <summary>What the scenario does, in one sentence with the numbers of this run.</summary>
    public required string Description { get; init; }
    /// <summary>Instructions the CPU retired.</summary>
    public required long Steps { get; init; }
    /// <summary>The run was stopped by its wall-time limit (<see cref="ScenarioArgs.WallTime"/>) before it ended.</summary>
    public bool OutOfTime { get; init; }
    /// <summary>The processes that ran, in creation order, as they ended (or stood when the budget ran out): the first
    /// 4096, then any still alive after them (a program forking in a loop makes hundreds of thousands).</summary>
    public required IReadOnlyList<ProcessSummary> Processes { get; init; }
    /// <summary>Processes created in the run, all of them (more than <see cref="Processes"/> lists when it was cut).</summary>
    public long ProcessesCreated { get; init; }
    /// <summary>How many of <see cref="Processes"/> are the first created (the rest are alive ones after them).</summary>
    [JsonIgnore]
    public int ProcessesKept { get; init; }
    /// <summary>The user faults the kernel handled, in order: the first 1024.</summary>
    public required IReadOnlyList<FaultRecord> Faults { get; init; }
    /// <summary>User faults in the run, all of them (more than <see cref="Faults"/> lists when it was cut).</summary>
    public long FaultCount { get; init; }
    /// <summary>Free frames right after boot.</summary>
    public required ulong FreeFramesBefore { get; init; }
    /// <summary>
    /// Free frames at the end of the run; equal to <see cref="FreeFramesBefore"/> once every process is gone and
    /// nothing leaked.
    /// </summary>
    public required ulong FreeFramesAfter { get; init; }
    /// <summary>Fewest free frames at any kernel entry: the run's peak memory use.</summary>
    public required ulong MinFreeFrames { get; init; }
    /// <summary>Frames the memory checker found owned but reachable from no page table at the end.</summary>
    public required int LeakedFrames { get; init; }
    /// <summary>
    /// Distinct problems the memory checker reported during and after the run; empty when memory stayed consistent.
    /// </summary>
    public required IReadOnlyList<string> CheckerErrors { get; init; }
    /// <summary>
    /// With <see cref="ScenarioArgs.Events"/>: each of <see cref="CheckerErrors"/> found during the run, at its step and
    /// beside the event that caused it. Empty otherwise (and for problems found only by the final check).
    /// </summary>
    public IReadOnlyList<CheckerFinding> CheckerFindings { get; init; } = [];
    /// <summary>The seams that came from outside the simulator (<see cref="ScenarioArgs.Seams"/>: a student's), by
    /// exercise name; empty when the scenario ran its own kernel.</summary>
    public IReadOnlyList<string> StudentSeams { get; init; } = [];
    /// <summary>Everything the processes printed, in order.</summary>
    public required string Console { get; init; }
    /// <summary>
    /// The kernel's panic message ("kfree: double free of 0x5000"), or null when the kernel never failed.
    /// </summary>
    public required string? Panic { get; init; }
    /// <summary>Syscall instructions executed, all processes together.</summary>
    public required long Syscalls { get; init; }
    /// <summary>Times the scheduler switched the CPU to a different process.</summary>
    public required long ContextSwitches { get; init; }
    /// <summary>What the scenario set out to show held.</summary>
    public required bool Passed { get; init; }
    /// <summary><see cref="Passed"/> explained in one sentence from what was observed.</summary>
    public required string Verdict { get; init; }
    /// <summary>Scenario-specific observations, in order (name, value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];
    /// <summary>Labelled tables for the human report (inspect's mappings); empty for most scenarios.</summary>
    public IReadOnlyList<ScenarioTable> Tables { get; init; } = [];
    /// <summary>With <see cref="ScenarioArgs.Trace"/>: the first 5000 kernel events as text lines.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];
    /// <summary>The scenario's own measurements (a record of <see cref="Scenario.ExtraType"/>), or null. Not serialised
    /// with the result: `sim run --json` lays its properties out beside the others.</summary>
    [JsonIgnore]
    public object? Extra { get; init; }

    /// <summary>Checks memory, then reports what <paramref name="k"/> did under <paramref name="judgement"/>.
    /// leaked_frames counts frames the checker found unreachable.</summary>
    public static ScenarioResult Of(SimKernel k, string name, Judgement judgement)
    {
        var report = k.Panic is null ? k.Check() : new CheckReport([], []);
        bool clean = judgement.BrokenOnPurpose || (k.Panic is null && k.CheckerErrors.Count == 0 && report.LeakedFrames.Count == 0
                     && (k.Processes.Count > 0 || k.Frames.FreeFrames == k.FreeFramesAtBoot));
        bool passed = judgement.Passed;
        string verdict = judgement.Verdict;
        if (k.OutOfTime && !judgement.StandsOutOfTime)
            (passed, verdict) = (false, $"stopped by its time limit ({k.Options.WallTime.TotalSeconds:0.#} s) after {k.Instructions} instructions, before the run ended");
        return new ScenarioResult
        {
            Scenario = name,
            Description = judgement.Description,
            Steps = k.Instructions,
            OutOfTime = k.OutOfTime,
            Processes = [.. k.History.Concat(k.LiveProcesses.Where(p => p.HistoryIndex >= k.History.Count).OrderBy(p => p.HistoryIndex))
                .Select(p => new ProcessSummary(p.Pid, p.Name, p.State.ToString().ToLowerInvariant(), p.Parent,
                p.ExitStatus, p.KillReason, p.Instructions, p.Syscalls, $"0x{p.PageTable.Root:x}"))],
            ProcessesCreated = k.ProcessesCreated,
            ProcessesKept = k.History.Count,
            Faults = k.Faults,
            FaultCount = k.FaultCount,
            FreeFramesBefore = k.FreeFramesAtBoot,
            FreeFramesAfter = k.Frames.FreeFrames,
            MinFreeFrames = k.MinFreeFrames == ulong.MaxValue ? k.Frames.FreeFrames : k.MinFreeFrames,
            LeakedFrames = report.LeakedFrames.Count,
            CheckerErrors = [.. k.CheckerErrors],
            CheckerFindings = Findings(k),
            Console = k.Console,
            Panic = k.Panic,
            Syscalls = k.SyscallCount,
            ContextSwitches = k.ContextSwitches,
            Passed = passed && clean,
            Verdict = passed && !clean ? verdict + ", but " + Problems(k, report)
                : !passed && k.Panic is { } panic && !verdict.Contains(panic, StringComparison.Ordinal) ? $"{verdict} (the kernel panicked: {panic})" : verdict,
            Facts = judgement.Facts,
            Tables = judgement.Tables,
            Trace = [.. k.TraceLog],
            Extra = judgement.Extra,
        };
    }

    /// <summary>Every checker error among <paramref name="k"/>'s recorded events, with its cause: the last syscall before
    /// it in which the kernel acted as a confused deputy (obeyed a call that touched another's memory) when there was
    /// one, else the last other event before it (the checker runs right after the kernel entry that event records).</summary>
    public static IReadOnlyList<CheckerFinding> Findings(SimKernel k)
    {
        var found = new List<CheckerFinding>();
        KernelEvent? last = null, deputy = null;
        foreach (var e in k.Events)
        {
            if (e.Kind != KernelEventKind.CheckerError)
            {
                last = e;
                if (e.Deputy?.StartsWith("confused deputy", StringComparison.Ordinal) == true) deputy = e;
            }
            else if ((deputy ?? last) is { } cause)
                found.Add(new(e.Step, e.Text, new(cause.Step, KindName(cause.Kind), cause.Pid, cause.Text) { Deputy = cause.Deputy }));
            else found.Add(new(e.Step, e.Text, null));
        }
        return found;
    }

    /// <summary>How JSON names an event's kind: "syscall", "fault", "switch", "exit", "checker_error".</summary>
    public static string KindName(KernelEventKind kind) => kind == KernelEventKind.CheckerError ? "checker_error" : kind.ToString().ToLowerInvariant();

    private static string Problems(SimKernel k, CheckReport report) =>
        k.Panic is { } panic ? $"the kernel panicked: {panic}"
        : report.LeakedFrames.Count > 0 ? $"{report.LeakedFrames.Count} frame(s) leaked"
        : k.CheckerErrors.Count > 0 ? $"the checker found {k.CheckerErrors.Count} problem(s)"
        : $"free frames {k.Frames.FreeFrames} != {k.FreeFramesAtBoot} at boot";
}

/// <summary>
/// A scenario's verdict on its run: what it did (one sentence with this run's numbers), whether what it set out to
/// show held and why, what it observed. A scenario that breaks the kernel on purpose (a naive fork) says so, and
/// the memory checker's findings then do not fail it.
/// </summary>
public sealed record Judgement(string Description, bool Passed, string Verdict)
{
    /// <summary>Observations, in order (name, value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];
    /// <summary>Labelled tables for the human report.</summary>
    public IReadOnlyList<ScenarioTable> Tables { get; init; } = [];
    /// <summary>The verdict holds even when the clock stopped the run (programs that never exit: any limit ends them).</summary>
    public bool StandsOutOfTime { get; init; }
    /// <summary>The run breaks an invariant on purpose: checker errors and leaks are the lesson, not a failure.</summary>
    public bool BrokenOnPurpose { get; init; }
    /// <summary>The scenario's own measurements (<see cref="Scenario.ExtraType"/>).</summary>
    public object? Extra { get; init; }
}

namespace VmLab.Sim.Kernel;

/// <summary>Options every scenario understands; each uses the ones that matter to it.</summary>
public sealed record ScenarioOptions
{
    /// <summary>Instruction budget for the whole run.</summary>
    public long Steps { get; init; } = 50_000_000;
    /// <summary>Wall-clock limit for the whole run (<see cref="KernelOptions.WallTime"/>); unlimited by default.</summary>
    public TimeSpan WallTime { get; init; } = Timeout.InfiniteTimeSpan;
    /// <summary>Log kernel events (switches, syscalls, faults) into <see cref="ScenarioResult.Trace"/>.</summary>
    public bool Trace { get; init; }
    /// <summary>fork: the copy_mappings-only fork (E2's wrong answer).</summary>
    public bool Naive { get; init; }
    /// <summary>fork: copy-on-write.</summary>
    public bool CopyOnWrite { get; init; }
    /// <summary>forkexit: fork/exit cycles.</summary>
    public int Count { get; init; } = 2000;
    /// <summary>friends: the kernel that trusts page_alloc's argument.</summary>
    public bool Vulnerable { get; init; }
    /// <summary>pipe: the kernel variant and the number of messages.</summary>
    public PipeKernel Pipe { get; init; } = PipeKernel.Best;
    /// <summary>pipe: messages the writer sends (the reader expects every one, in order).</summary>
    public int Messages { get; init; } = 100;
    /// <summary>Render memory (physical and each process's virtual pages) at its fullest and at the end.</summary>
    public bool View { get; init; }
    /// <summary>With <see cref="View"/>: add ANSI colours (one per owner) to the letters.</summary>
    public bool ViewColor { get; init; }
}

/// <summary>A process as a scenario reports it.</summary>
public sealed record ProcessSummary(int Pid, string Name, string State, int Parent, long? ExitStatus, string? KillReason,
    long Instructions, long Syscalls, string PageTableRoot);

/// <summary>A labelled table for the human report (inspect's mappings).</summary>
public sealed record ScenarioTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>Everything a scenario observed. Every number comes from the run.</summary>
public sealed record ScenarioResult
{
    /// <summary>The scenario's name, as given to <see cref="Scenarios.Run"/> ("fork", "pipe"...).</summary>
    public required string Scenario { get; init; }
    /// <summary>What the scenario does, in one sentence with the numbers of this run.</summary>
    public required string Description { get; init; }
    /// <summary>Instructions the CPU retired.</summary>
    public required long Steps { get; init; }
    /// <summary>The run was stopped by <see cref="ScenarioOptions.WallTime"/> before it ended.</summary>
    public bool OutOfTime { get; init; }
    /// <summary>Every process that ran, in creation order, as it ended (or stood when the budget ran out).</summary>
    public required IReadOnlyList<ProcessSummary> Processes { get; init; }
    /// <summary>Every user fault the kernel handled, in order.</summary>
    public required IReadOnlyList<FaultRecord> Faults { get; init; }
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
    /// <summary>With <see cref="ScenarioOptions.Trace"/>: the first 5000 kernel events as text lines.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];
    /// <summary>With <see cref="ScenarioOptions.View"/>: memory at its fullest and at the end.</summary>
    public IReadOnlyList<MemorySnapshot> Views { get; init; } = [];
    /// <summary>friends only: the JSON contract of seed 003 G1.</summary>
    public bool? AttackSucceeded { get; init; }
    /// <summary>friends only: rounds alice printed (of 40); fewer means eve's page_alloc damaged her.</summary>
    public long? AliceProgress { get; init; }
    /// <summary>
    /// friends only: how eve ended ("killed: ...", "page_alloc obeyed, eve exited" or "page_alloc returned -1, eve
    /// exited").
    /// </summary>
    public string? EveStatus { get; init; }
    /// <summary>pipe only: what the pipe variant cost.</summary>
    public PipeRun? PipeRun { get; init; }
}

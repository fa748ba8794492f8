namespace VmLab.Sim.Kernel;

/// <summary>Options every scenario understands; each uses the ones that matter to it.</summary>
public sealed record ScenarioOptions
{
    /// <summary>Instruction budget for the whole run.</summary>
    public long Steps { get; init; } = 50_000_000;
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
    public int Messages { get; init; } = 100;
    /// <summary>Render memory (physical and each process's virtual pages) at its fullest and at the end.</summary>
    public bool View { get; init; }
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
    public required string Scenario { get; init; }
    public required string Description { get; init; }
    /// <summary>Instructions the CPU retired.</summary>
    public required long Steps { get; init; }
    public required IReadOnlyList<ProcessSummary> Processes { get; init; }
    public required IReadOnlyList<FaultRecord> Faults { get; init; }
    public required ulong FreeFramesBefore { get; init; }
    public required ulong FreeFramesAfter { get; init; }
    public required ulong MinFreeFrames { get; init; }
    public required int LeakedFrames { get; init; }
    public required IReadOnlyList<string> CheckerErrors { get; init; }
    public required string Console { get; init; }
    public required string? Panic { get; init; }
    public required long Syscalls { get; init; }
    public required long ContextSwitches { get; init; }
    /// <summary>What the scenario set out to show held.</summary>
    public required bool Passed { get; init; }
    public required string Verdict { get; init; }
    /// <summary>Scenario-specific observations, in order (name, value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];
    public IReadOnlyList<ScenarioTable> Tables { get; init; } = [];
    public IReadOnlyList<string> Trace { get; init; } = [];
    /// <summary>With <see cref="ScenarioOptions.View"/>: memory at its fullest and at the end.</summary>
    public IReadOnlyList<MemorySnapshot> Views { get; init; } = [];
    /// <summary>friends only: the JSON contract of seed 003 G1.</summary>
    public bool? AttackSucceeded { get; init; }
    public long? AliceProgress { get; init; }
    public string? EveStatus { get; init; }
    /// <summary>pipe only: what the pipe variant cost.</summary>
    public PipeRun? PipeRun { get; init; }
}

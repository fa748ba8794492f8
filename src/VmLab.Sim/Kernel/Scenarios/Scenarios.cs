

namespace VmLab.Sim.Kernel;

/// <summary>
/// The runnable scenarios of `vmlab sim run`: each boots a fresh kernel, starts programs, runs to completion
/// (or the step budget), checks memory, and says whether what it set out to show held. Deterministic.
/// </summary>
public static partial class Scenarios
{
    /// <summary>Name and one-line description of every scenario, in teaching order.</summary>
    public static IReadOnlyList<(string Name, string Summary)> All { get; } =
    [
        ("hello", "one process prints a line and exits; every frame comes back"),
        ("allocator", "three processes page_alloc until physical memory runs out, then exit"),
        ("inspect", "B1-B5: PA and permissions of syscall_entry, kernel_pagetable and a program's entry, before/after process_setup"),
        ("bigdata", "C1: one mapping change, no memory write, changes what a program prints"),
        ("fork", "E1/E2: child and parent isolation after fork (--naive: copy_mappings only; --cow: copy-on-write)"),
        ("forkexit", "E3/E4: thousands of fork/exit cycles (--count N); leaked_frames must be 0"),
        ("spawn", "F1: spawn(\"alice\") twice; two copies of one program side by side"),
        ("friends", "G1: eve asks page_alloc for alice's page table (--vulnerable: the kernel obeys)"),
        ("pipe", "H1/H2: pipewriter to pipereader through a kernel pipe (--kernel naive|blocking|batching|best)"),
    ];

    /// <summary>Whether <paramref name="name"/> is a scenario <see cref="Run"/> knows (exact, case-sensitive).</summary>
    public static bool Exists(string name) => All.Any(s => s.Name == name);

    /// <summary>Runs a scenario by name; throws ArgumentException for an unknown one.</summary>
    public static ScenarioResult Run(string name, ScenarioOptions? options = null)
    {
        var o = options ?? new ScenarioOptions();
        return name switch
        {
            "hello" => Hello(o),
            "allocator" => Allocator(o),
            "inspect" => Inspect(o),
            "bigdata" => BigData(o),
            "fork" => Fork(o),
            "forkexit" => ForkExit(o),
            "spawn" => Spawn(o),
            "friends" => Friends(o),
            "pipe" => Pipe(o.Pipe, o.Messages, o) is var (pipe, result) ? result with { PipeRun = pipe } : null!,
            _ => throw new ArgumentException($"unknown scenario '{name}' (try: {string.Join(", ", All.Select(s => s.Name))})"),
        };
    }

    private static Kernel Boot(ScenarioOptions o, ForkMode fork = ForkMode.Copy, bool vulnerable = false) =>
        new(new KernelOptions { Fork = fork, CheckEvery = 1, Vulnerable = vulnerable, WallTime = o.WallTime }) { TraceEnabled = o.Trace, RecordFullest = o.View, ViewColor = o.ViewColor };

    private static ScenarioResult Hello(ScenarioOptions o)
    {
        var k = Boot(o);
        k.Spawn("hello");
        k.Run(o.Steps);
        bool printed = k.Console.Contains("Hello, world! I am pid 1");
        return Finish(k, "hello", "A process with its own page table prints through the write syscall and exits; exit frees every frame it had.",
            o, printed, printed ? "hello printed its line and exited" : "hello did not print its line");
    }

    private static ScenarioResult Allocator(ScenarioOptions o)
    {
        var k = Boot(o);
        for (int i = 0; i < 3; i++) k.Spawn("allocator");
        k.Run(o.Steps);
        int refused = k.Console.Split('\n').Count(l => l.Contains("page_alloc said no"));
        bool full = k.MinFreeFrames <= 1 && refused == 3;
        return Finish(k, "allocator", "Three allocators take heap pages one at a time (yielding between) until page_alloc returns -1: physical memory is full. Then they exit and everything comes back.",
            o, full, full ? $"memory ran out (lowest free-frame count {k.MinFreeFrames}), all three were refused, nothing crashed"
                          : $"memory did not run out as expected (lowest free-frame count {k.MinFreeFrames}, {refused} refusals)",
            [new("lowest free frames", k.MinFreeFrames.ToString()), new("allocators refused", refused.ToString())]);
    }

    private static ScenarioResult Spawn(ScenarioOptions o)
    {
        var k = Boot(o);
        k.Spawn("spawner");
        var alices = new List<(int Pid, ulong CodeFrame)>();
        k.AfterProcessSetup = (kk, p) =>
        {
            if (p.Name == "alice") alices.Add((p.Pid, p.PageTable.Iter(KernelLayout.ProcStartAddr).Pa));
        };
        k.Run(o.Steps);
        var lines = k.Console.Split('\n');
        bool bothRan = alices.Count == 2 && alices.All(a => lines.Any(l => l == $"alice (pid {a.Pid}): round 5"));
        bool separate = alices.Count == 2 && alices[0].CodeFrame != alices[1].CodeFrame;
        bool ok = bothRan && separate;
        var facts = alices.Select(a => new KeyValuePair<string, string>($"alice pid {a.Pid}: va 0x100000 ->", $"frame 0x{a.CodeFrame:x}")).ToList();
        return Finish(k, "spawn", "spawner calls spawn(\"alice\") twice. Each alice gets its own page table, so both run the same code at the same virtual address 0x100000 on different frames (with identity-mapped processes the second copy would land on the first).",
            o, ok, ok ? "two alices ran side by side, same virtual addresses, different frames"
                      : "the two alices did not both run to the end on separate frames", facts);
    }

    /// <summary>Checks memory, then reports. leaked_frames counts frames the checker found unreachable.</summary>
    internal static ScenarioResult Finish(Kernel k, string name, string description, ScenarioOptions o, bool passed, string verdict,
        IReadOnlyList<KeyValuePair<string, string>>? facts = null, IReadOnlyList<ScenarioTable>? tables = null,
        bool brokenOnPurpose = false)
    {
        var report = k.Panic is null ? k.Check() : new CheckReport([], []);
        bool clean = brokenOnPurpose || (k.Panic is null && k.CheckerErrors.Count == 0 && report.LeakedFrames.Count == 0
                     && (k.Processes.Count > 0 || k.Frames.FreeFrames == k.FreeFramesAtBoot));
        if (k.OutOfTime)
            (passed, verdict) = (false, $"stopped by its time limit ({k.Options.WallTime.TotalSeconds:0.#} s) after {k.Instructions} instructions, before the run ended");
        return new ScenarioResult
        {
            Scenario = name,
            Description = description,
            Steps = k.Instructions,
            OutOfTime = k.OutOfTime,
            Processes = [.. k.History.Select(p => new ProcessSummary(p.Pid, p.Name, p.State.ToString().ToLowerInvariant(), p.Parent,
                p.ExitStatus, p.KillReason, p.Instructions, p.Syscalls, $"0x{p.PageTable.Root:x}"))],
            Faults = k.Faults,
            FreeFramesBefore = k.FreeFramesAtBoot,
            FreeFramesAfter = k.Frames.FreeFrames,
            MinFreeFrames = k.MinFreeFrames == ulong.MaxValue ? k.Frames.FreeFrames : k.MinFreeFrames,
            LeakedFrames = report.LeakedFrames.Count,
            CheckerErrors = [.. k.CheckerErrors],
            Console = k.Console,
            Panic = k.Panic,
            Syscalls = k.SyscallCount,
            ContextSwitches = k.ContextSwitches,
            Passed = passed && clean,
            Verdict = passed && !clean ? verdict + ", but " + Problems(k, report) : verdict,
            Facts = facts ?? [],
            Tables = tables ?? [],
            Trace = [.. k.TraceLog],
            Views = k.RecordFullest ? [.. k.Filling, .. new[] { k.Fullest, k.Snapshot("at the end") }.OfType<MemorySnapshot>()] : [],
        };
    }

    private static string Problems(Kernel k, CheckReport report) =>
        k.Panic is { } panic ? $"the kernel panicked: {panic}"
        : report.LeakedFrames.Count > 0 ? $"{report.LeakedFrames.Count} frame(s) leaked"
        : k.CheckerErrors.Count > 0 ? $"the checker found {k.CheckerErrors.Count} problem(s)"
        : $"free frames {k.Frames.FreeFrames} != {k.FreeFramesAtBoot} at boot";

}

using System.Text.RegularExpressions;
using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Labs.Grading;

/// <summary>What a test body works with: kernels built with the seams under test (the memory checker after
/// every kernel entry, tracing on), and checks that fail with a student-readable reason.</summary>
public sealed partial class TestContext(KernelSeams seams)
{
    public KernelSeams Seams { get; } = seams;

    /// <summary>The C exercise's shared library under test.</summary>
    public string? Library { get; init; }

    /// <summary>Extra lines for the trace of a failing test (the C exercise's program output).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Directories the test made, removed when it ends.</summary>
    public List<string> Cleanup { get; } = [];

    /// <summary>The lazy-copy implementation under test (seed 001 B), or null for the kernel exercises.</summary>
    public VmLab.Linux.Seams.ILazyCopy? LazyCopy { get; init; }

    /// <summary>What a passing test has to say (a timing claim's verdict); empty for most tests.</summary>
    public string Verdict { get; set; } = "";

    /// <summary>Where <see cref="Step"/> writes (the request's progress document); nowhere when null.</summary>
    public static string? ProgressPath { get; set; }

    /// <summary>Says, at once, what the test is about to do, so that if the student's code takes the whole
    /// process down the grader can still say when it happened (and what to check, <paramref name="ifCrash"/>).</summary>
    public static void Step(string doing, string ifCrash)
    {
        if (ProgressPath is { } path) Protocol.Write(path, new TestProgress(TestProgress.Version, doing, ifCrash));
    }

    /// <summary>The kernels this test booted, for the trace of a failing test.</summary>
    public List<Kernel> Kernels { get; } = [];

    public Kernel Boot(KernelSeams? seams = null, IReadOnlyDictionary<string, VmLab.Sim.Elf.ProgramImage>? programs = null)
    {
        var options = new KernelOptions { Seams = seams ?? Seams, CheckEvery = 1 };
        var k = new Kernel(programs is null ? options : options with { Programs = programs }) { TraceEnabled = true };
        Kernels.Add(k);
        return k;
    }

    public static void Require(bool condition, string reason)
    {
        if (!condition) throw new GradeFailure(reason);
    }

    /// <summary>Runs until every process is done or the budget is spent. Strict (the default): stops at the
    /// first thing the memory checker finds or a kernel panic, and fails with it, checker first (it saw the
    /// problem before the panic it led to).</summary>
    public static void Run(Kernel k, string what, bool strict = true, long steps = 20_000_000)
    {
        long end = k.Instructions + steps;
        while (k.Instructions < end && k.Panic is null && k.Processes.Any(p => p.State == ProcessState.Runnable))
        {
            if (k.Run(Math.Min(2_000, end - k.Instructions)) == 0) break;     // small slices: stop near the first finding
            if (strict && k.CheckerErrors.Count > 0) break;
        }
        if (!strict) return;
        if (k.CheckerErrors.FirstOrDefault() is { } first) throw new GradeFailure(Explain(first, what, k));
        Require(k.Panic is null, $"kernel panic: {k.Panic}");
    }

    /// <summary>WeensyOS's invariants: whatever the checker saw after any kernel entry, then (with every process
    /// gone) every frame back.</summary>
    public static void RequireClean(Kernel k, string what)
    {
        if (k.CheckerErrors.FirstOrDefault() is { } seen) throw new GradeFailure(Explain(seen, what, k));
        Require(k.Panic is null, $"kernel panic: {k.Panic}");
        var report = k.Check();
        if (k.CheckerErrors.FirstOrDefault() is { } first) throw new GradeFailure(Explain(first, what, k));
        if (k.Processes.Count == 0 && k.Frames.FreeFrames != k.FreeFramesAtBoot)
        {
            ulong lost = k.FreeFramesAtBoot - k.Frames.FreeFrames;
            var tables = k.Frames.Owned(FrameOwner.PageTable).Where(pa => k.Frames.Info(pa).Pid != 0).ToList();
            var roots = tables.Intersect(k.History.Select(h => h.PageTable.Root)).ToList();
            throw new GradeFailure($"{what}: every process is gone but {lost} frame(s) never came back"
                + (roots.Count == tables.Count && roots.Count > 0 ? $" ({roots.Count} of them the root table page of a process, e.g. 0x{roots[0]:x}): free the root table page (p.PageTable.Root) too, after the others"
                   : tables.Count > 0 ? $" ({tables.Count} of them page-table pages, e.g. 0x{tables[0]:x}): free the page-table pages too" : ""));
        }
        Require(report.LeakedFrames.Count == 0, $"{what}: frame 0x{report.LeakedFrames.FirstOrDefault():x} leaked");
    }

    /// <summary>The memory checker's finding, said as what went wrong for the program.</summary>
    public static string Explain(string checkerError, string what, Kernel? k = null)
    {
        if (k is not null && LeakedTable().IsMatch(checkerError)
            && MemoryChecker.Check(k).LeakedFrames.Where(pa => k.Frames.Info(pa).Owner == FrameOwner.PageTable).ToList() is { Count: > 0 } tables
            && tables.All(pa => k.History.Any(h => h.PageTable.Root == pa)))
            return $"{what} leaked memory: {checkerError["leaked frame: ".Length..]}: it was a process's root table page: free the root table page (p.PageTable.Root) too, after the others";
        if (SharedWritable().Match(checkerError) is { Success: true } m)
            return $"child write reached the parent: {what} shares a writable frame at va 0x{m.Groups[2].Value} (frame 0x{m.Groups[1].Value}, pids {m.Groups[3].Value})";
        if (checkerError.StartsWith("freed but mapped", StringComparison.Ordinal))
            return $"{what} freed a page that is still mapped ({checkerError["freed but mapped: ".Length..]})";
        if (checkerError.StartsWith("leaked frame", StringComparison.Ordinal))
            return $"{what} leaked memory: {checkerError["leaked frame: ".Length..]}"
                   + (checkerError.Contains("(pagetable", StringComparison.Ordinal) ? ": free the page-table pages too" : "");
        if (checkerError.StartsWith("reference count", StringComparison.Ordinal))
            return $"{what} left a reference count wrong: {checkerError} (each mapping of a shared frame needs its reference)";
        if (checkerError.StartsWith("kernel mapping missing: ", StringComparison.Ordinal))
            return $"{what}: {checkerError["kernel mapping missing: ".Length..]} (WeensyOS check_page_table_mappings; k.NewPageTable(pid) gives a table that already maps the kernel half: keep it as it is)";
        if (checkerError.StartsWith("page-table page of another process: ", StringComparison.Ordinal))
            return $"{what}: {checkerError["page-table page of another process: ".Length..]} (WeensyOS check_page_table_ownership: a page table's pages belong to its own process; make a child's table with k.NewPageTable(childPid))";
        return $"{what}: {checkerError}";
    }

    [GeneratedRegex(@"^leaked frame: 0x([0-9a-f]+) \(pagetable")]
    private static partial Regex LeakedTable();

    [GeneratedRegex(@"^writable frame shared between processes: 0x([0-9a-f]+) \(va 0x([0-9a-f]+)\) is mapped by pids (.*)$")]
    private static partial Regex SharedWritable();

    /// <summary>Every process-owned frame's bytes, to prove later that a function wrote none of them.</summary>
    public static Dictionary<ulong, byte[]> DataFrames(Kernel k) =>
        k.Frames.Owned(FrameOwner.Process).ToDictionary(pa => pa, pa => k.Memory.FrameSpan(pa).ToArray());

    /// <summary>Fails when a frame that is still a process frame holds other bytes than it did.</summary>
    public static void RequireUnwritten(Kernel k, Dictionary<ulong, byte[]> before, string what)
    {
        foreach (var (pa, bytes) in before)
            if (k.Frames.Info(pa).Owner == FrameOwner.Process && !k.Memory.FrameSpan(pa).SequenceEqual(bytes))
                throw new GradeFailure($"{what} wrote memory: the bytes of frame 0x{pa:x} changed; only mappings may change");
    }

    /// <summary>A trace for the saved output of a failing test: each kernel's console, checker findings, events.</summary>
    public IReadOnlyList<string> Trace()
    {
        var lines = new List<string>(Notes);
        for (int i = 0; i < Kernels.Count; i++)
        {
            var k = Kernels[i];
            lines.Add($"--- kernel {i + 1}: {k.Instructions} instructions, {k.SyscallCount} syscalls, panic: {k.Panic ?? "none"}");
            lines.Add("console:");
            lines.AddRange(k.Console.Split('\n').Take(200).Select(l => "  " + l));
            lines.AddRange(k.CheckerErrors.Select(e => "checker: " + e));
            lines.AddRange(k.TraceLog.TakeLast(400));
        }
        return lines;
    }

    public static string Hex(ulong v) => v == ulong.MaxValue ? "-1" : $"0x{v:x}";

    public static bool IsUserVa(ulong va) => va >= ProcStartAddr && va < MemSizeVirtual;
}

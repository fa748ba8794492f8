using System.Text.Json;

namespace VmLab.Labs.Grading;

/// <summary>How to start the grader's child: vmlab itself with the hidden verb `lab run-test`.</summary>
public sealed record ChildLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The running vmlab, or the vmlab that sits next to this library (tests, tools).</summary>
    public static ChildLauncher Locate()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "vmlab") return new(self, ["lab", "run-test"]);
        string dir = AppContext.BaseDirectory;
        string apphost = Path.Combine(dir, OperatingSystem.IsWindows() ? "vmlab.exe" : "vmlab");
        if (File.Exists(apphost)) return new(apphost, ["lab", "run-test"]);
        string dll = Path.Combine(dir, "vmlab.dll");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        if (File.Exists(dll)) return new(dotnet, ["exec", dll, "lab", "run-test"]);
        throw new InvalidOperationException("cannot find vmlab to run the tests in");
    }
}

/// <summary>What to grade and how.</summary>
public sealed record GradeOptions
{
    /// <summary>The student's workspace: built, graded on its exercises, traces saved under .vmlab/.</summary>
    public string? Workspace { get; init; }
    /// <summary>An already built assembly to take the seams from instead of building (null with Workspace null: the reference).</summary>
    public string? Assembly { get; init; }
    /// <summary>A built libetsbefriends.so to grade the C exercise with instead of making the workspace's.</summary>
    public string? Library { get; init; }
    /// <summary>With Assembly: the class to use for an exercise, when the assembly holds several.</summary>
    public IReadOnlyDictionary<string, string> Types { get; init; } = new Dictionary<string, string>();
    /// <summary>Tests whose name contains this (or whose exercise is this); all when null.</summary>
    public string? Filter { get; init; }
    /// <summary>Only these exercises' tests (the workspace's, when one is given).</summary>
    public IReadOnlyList<Exercise>? Exercises { get; init; }
    /// <summary>Per test; the C exercise's tests get three times as long (they compile their programs first).</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromMinutes(3);
    public ChildLauncher? Launcher { get; init; }
}

/// <summary>
/// xv6 `make grade` for the kernel seams: builds the student's project, then runs every selected test in a
/// child process of its own (vmlab lab run-test) with a time limit, so an infinite loop, a stack overflow or
/// a crash costs that test and nothing else. Scores add up the points of the tests that passed.
/// </summary>
public static class Grader
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static GradeReport Grade(GradeOptions o, Action<TestResult>? progress = null)
    {
        var exercises = o.Exercises ?? (o.Workspace is { } ws ? Workspace.Exercises(ws) : Catalog.Exercises);
        var tests = Catalog.Select(o.Filter).Where(t => exercises.Any(e => e.Name == t.Exercise)).ToList();
        bool IsC(GradedTest t) => Catalog.Find(t.Exercise)!.IsC;
        string? assembly = o.Assembly, library = o.Library, csError = null, cError = null;
        if (o.Workspace is not null && assembly is null && tests.Any(t => !IsC(t)))
            (assembly, csError) = Workspace.Build(o.Workspace, o.BuildTimeout);
        if (o.Workspace is not null && library is null && tests.Any(IsC))
            (library, cError) = Workspace.Make(o.Workspace, o.BuildTimeout);
        var launcher = o.Launcher ?? ChildLauncher.Locate();
        var results = new List<TestResult>();
        foreach (var t in tests)
        {
            string? error = IsC(t) ? cError : csError;
            var r = error is not null
                ? new TestResult(t.Name, t.Exercise, t.Points, false, $"build failed: {error}", 0)
                : RunOne(launcher, t, IsC(t) ? null : assembly, IsC(t) ? library : null, o);
            results.Add(r);
            progress?.Invoke(r);
        }
        return new GradeReport(results.Where(r => r.Passed).Sum(r => r.Points), tests.Sum(t => t.Points), results, csError ?? cError);
    }

    private static TestResult RunOne(ChildLauncher launcher, GradedTest t, string? assembly, string? library, GradeOptions o)
    {
        var args = new List<string>(launcher.Prefix) { "--test", t.Name };
        if (assembly is not null) args.AddRange(["--assembly", assembly]);
        if (library is not null) args.AddRange(["--library", library]);
        if (o.Types.TryGetValue(t.Exercise, out string? type)) args.AddRange(["--type", type]);
        var limit = library is not null || Catalog.Find(t.Exercise)!.IsC ? o.TestTimeout * 3 : o.TestTimeout;
        var run = ChildProcess.Run(launcher.FileName, args, limit);
        TestHost.Outcome outcome = Interpret(run, limit);
        var result = new TestResult(t.Name, t.Exercise, t.Points, outcome.Passed, outcome.Reason, Math.Round(run.Seconds, 2));
        if (!outcome.Passed && o.Workspace is not null) SaveTrace(o.Workspace, t, outcome);
        return result;
    }

    private static TestHost.Outcome Interpret(ChildProcess.Result run, TimeSpan limit)
    {
        if (run.TimedOut)
            return new(false, $"timed out after {limit.TotalSeconds:0} s: an infinite loop, or a process that never finishes?", []);
        string? last = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (last is not null && last.StartsWith('{'))
        {
            try
            {
                if (JsonSerializer.Deserialize<TestHost.Outcome>(last, Json) is { } o) return o;
            }
            catch (JsonException)
            {
                // fall through: the child died mid-line
            }
        }
        if (run.Err.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase))
            return new(false, "stack overflow: unbounded recursion in your code?", [run.Err]);
        // The runtime's "Fatal error." says less than the exception line under it; its first sentence is enough.
        var errLines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        string first = errLines.FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal)) ?? errLines.FirstOrDefault() ?? "no message";
        if (first.IndexOf(". ", StringComparison.Ordinal) is > 0 and int dot) first = first[..(dot + 1)];
        // The test's last announced step says when it happened, and what usually causes a crash there.
        string? step = run.Out.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(TestContext.StepPrefix, StringComparison.Ordinal));
        if (step is not null)
        {
            string[] parts = step[TestContext.StepPrefix.Length..].Split(TestContext.StepHint, 2);
            return new(false, $"the test process crashed while {parts[0]}{(parts.Length > 1 ? $": {parts[1]}" : "")} (exit code {run.ExitCode}: {first})", [run.Out, run.Err]);
        }
        return new(false, $"the test process crashed (exit code {run.ExitCode}): {first}", [run.Out, run.Err]);
    }

    private static void SaveTrace(string workspace, GradedTest t, TestHost.Outcome outcome)
    {
        string dir = Path.Combine(workspace, ".vmlab");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, t.Name + ".trace"),
            [$"test: {t.Name} ({t.Exercise}, {t.Points} pts)", $"checks: {t.Checks}", $"reason: {outcome.Reason}", "", .. outcome.Trace]);
    }

    /// <summary>The child's side: runs the test named in args and prints its outcome as one JSON line.</summary>
    public static int RunChild(string test, string? assembly, string? type, string? library, TextWriter output)
    {
        var outcome = TestHost.Run(test, assembly, type, library);
        output.WriteLine(JsonSerializer.Serialize(outcome, Json));
        return 0;
    }

    /// <summary>xv6 gradelib's lines: "name: OK (0.3s)" or "name: FAIL (0.1s)" and the reason under it.</summary>
    public static void WriteLine(TextWriter w, TestResult r)
    {
        w.WriteLine($"{r.Name}: {(r.Passed ? "OK" : "FAIL")} ({r.Seconds:0.0}s)");
        if (r.Reason.Length > 0) w.WriteLine($"    {r.Reason}");
    }
}

using VmLab.Labs.Build;

namespace VmLab.Labs.Grading;

/// <summary>How to start the grader's child: vmlab itself with the hidden verb `lab run-test`.</summary>
public sealed record ChildLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The running vmlab, or the vmlab that sits next to this library (tests, tools).</summary>
    /// <param name="verb">the hidden `lab` verb the child runs: run-test, or run-seams (<see cref="SeamHost"/>)</param>
    public static ChildLauncher Locate(string verb = "run-test")
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "vmlab") return new(self, ["lab", verb]);
        string dir = AppContext.BaseDirectory;
        string apphost = Path.Combine(dir, "vmlab");
        if (File.Exists(apphost)) return new(apphost, ["lab", verb]);
        string dll = Path.Combine(dir, "vmlab.dll");
        if (File.Exists(dll)) return new(Tools.Dotnet(), ["exec", dll, "lab", verb]);
        throw new InvalidOperationException("cannot find vmlab to run the tests in");
    }
}

/// <summary>What to grade and how.</summary>
public sealed record GradeOptions
{
    /// <summary>The student's workspace: its exercise files built pristine, traces saved under .vmlab/. Null: the reference.</summary>
    public string? Workspace { get; init; }
    /// <summary>An already made pristine build of the workspace (the grader then builds nothing and disposes nothing).</summary>
    public WorkspaceBuild? Build { get; init; }
    /// <summary>A test's exact name, or an exercise's name for all its tests; all when null.</summary>
    public string? Filter { get; init; }
    /// <summary>Exactly these exercises' tests, whatever the workspace's manifest says (its exercises when null).</summary>
    public IReadOnlyList<Exercise>? Exercises { get; init; }
    /// <summary>Per test; the C exercise's tests get three times as long (they compile their programs first).</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public BuildLimits BuildLimits { get; init; } = BuildLimits.Default;
    public ChildLauncher? Launcher { get; init; }
    /// <summary>What isolates each test (bubblewrap where it works: <see cref="Sandbox.Current"/>).</summary>
    public Sandbox? Sandbox { get; init; }
}

/// <summary>
/// xv6 `make grade` for the kernel seams: builds the workspace's exercise files pristine, then runs every selected
/// test in a child process of its own (vmlab lab run-test), bounded and sandboxed, so an infinite loop, a stack
/// overflow, a crash or a forged line of output costs that test and nothing else. Scores add up the points of
/// the tests whose verdict document says they passed.
/// </summary>
public static class Grader
{
    public static GradeReport Grade(GradeOptions o, Action<TestResult>? progress = null, Action<string>? note = null)
    {
        var exercises = o.Exercises ?? o.Build?.Exercises ?? (o.Workspace is { } ws ? Workspace.Exercises(ws) : Catalog.Exercises);
        var tests = Catalog.Select(o.Filter).Where(t => exercises.Any(e => e.Name == t.Exercise)).ToList();
        var used = exercises.Where(e => tests.Any(t => t.Exercise == e.Name)).ToList();
        string? workspace = o.Build?.Workspace ?? o.Workspace;
        var build = o.Build ?? (workspace is null ? null : WorkspaceBuild.Create(workspace, used, o.BuildLimits));
        string runRoot = Directory.CreateTempSubdirectory("vmlab-grade-").FullName;
        Interruption.Own(runRoot);
        try
        {
            var sandbox = o.Sandbox ?? Sandbox.Current;
            var notes = new List<string>();
            if (build is not null) notes.Add(build.Summary);
            notes.Add(sandbox.Note);
            foreach (string n in notes) note?.Invoke(n);
            if (workspace is not null) RemoveTraces(workspace, tests);
            var runner = new TestRunner(o.Launcher ?? ChildLauncher.Locate(), sandbox, runRoot);
            var results = new List<TestResult>();
            foreach (var t in tests)
            {
                var exercise = Catalog.Find(t.Exercise)!;
                TestRunner.Outcome outcome = build?.ErrorFor(exercise) is { } error
                    ? new(false, $"build failed: {error}", [], 0)
                    : build is not null && (exercise.IsC ? build.Library : build.Assembly) is null
                        // the child reads "no assembly" as the reference seams: a student's test never runs without theirs
                        ? new(false, "build failed: nothing was built from the exercise's file", [], 0)
                        : runner.Run(t, exercise.IsC ? null : build?.Assembly, exercise.IsC ? build?.Library : null, exercise.IsC ? o.TestTimeout * 3 : o.TestTimeout);
                var r = new TestResult(t.Name, t.Exercise, t.Points, outcome.Passed, outcome.Reason, Math.Round(outcome.Seconds, 2));
                if (!r.Passed && workspace is not null) SaveTrace(workspace, t, outcome);
                results.Add(r);
                progress?.Invoke(r);
            }
            string? buildError = used.Select(e => build?.ErrorFor(e)).FirstOrDefault(e => e is not null);
            return new GradeReport(results.Where(r => r.Passed).Sum(r => r.Points), tests.Sum(t => t.Points), results, buildError) { Notes = notes };
        }
        finally
        {
            Directory.Delete(runRoot, recursive: true);
            Interruption.Forget(runRoot);
            if (o.Build is null) build?.Dispose();
        }
    }

    /// <summary>The workspace's .vmlab folder for traces, or null when it is not a plain folder of the workspace's
    /// own: through a symbolic link the grader would delete and write files wherever it points.</summary>
    private static string? TraceDir(string workspace)
    {
        string dir = Path.Combine(workspace, ".vmlab");
        var info = new DirectoryInfo(dir);
        if (info.LinkTarget is not null || (File.Exists(dir) && !Directory.Exists(dir))) return null;
        return dir;
    }

    // A trace from an earlier run would describe code that is gone.
    private static void RemoveTraces(string workspace, IEnumerable<GradedTest> tests)
    {
        if (TraceDir(workspace) is not { } dir || !Directory.Exists(dir)) return;
        foreach (var t in tests)
        {
            try
            {
                File.Delete(Path.Combine(dir, t.Name + ".trace"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a read-only submission: nothing stale can be written there either
            }
        }
    }

    private static void SaveTrace(string workspace, GradedTest t, TestRunner.Outcome outcome)
    {
        if (TraceDir(workspace) is not { } dir) return;
        try
        {
            Directory.CreateDirectory(dir);
            // CreateNew: RemoveTraces deleted the old one, so whatever is there now (a link planted since) is not ours
            using var file = new StreamWriter(new FileStream(Path.Combine(dir, t.Name + ".trace"), FileMode.CreateNew, FileAccess.Write));
            foreach (string line in (string[])[$"test: {t.Name} ({t.Exercise}, {t.Points} pts)", $"checks: {t.Checks}", $"reason: {Printable(outcome.Reason)}", "", .. outcome.Trace.Select(Printable)])
                file.WriteLine(line);
        }
        catch (IOException)
        {
            // a read-only submission (a course's grading cluster): the verdict is in the output all the same
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>xv6 gradelib's lines: "name: OK (0.3s)" or "name: FAIL (0.1s)" and the reason under it.</summary>
    public static void WriteLine(TextWriter w, TestResult r)
    {
        w.WriteLine($"{r.Name}: {(r.Passed ? "OK" : "FAIL")} ({r.Seconds:0.0}s)");
        if (r.Reason.Length > 0) w.WriteLine($"    {Printable(r.Reason)}");
    }

    /// <summary>A reason or trace line as one line of text to print: a student's exception message can hold escape
    /// sequences and newlines that would clear the screen or forge "name: OK" and "Score:" lines, so control and
    /// formatting characters are written as escapes (\e, \n, \x07, \u{202e}).</summary>
    public static string Printable(string text) => VmLab.Sim.Text.Printable.Line(text);
}

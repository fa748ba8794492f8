using VmLab.Labs.Build;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>
/// A submission is files the student controls: links, FIFOs, a manifest, compiler error positions, exception
/// text. None of them may earn points, hang the grader, touch a file outside the workspace or forge a line of output.
/// </summary>
public class SubmissionFilesTests
{
    private static string Solution(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Solution", file + ".txt"));

    private static IReadOnlyList<Exercise> Only(params string[] names) => [.. names.Select(n => Catalog.Find(n)!)];

    [Fact]
    public void Errors_charged_to_other_files_never_let_a_test_run_without_the_students_assembly()
    {
        // Remap.cs fails on its own; without it Fork.cs fails too, its error charged (#line) to Spawn.cs: the passes
        // after the first build nothing, and fork's tests must fail with the build rather than run the reference.
        using var dir = new TempDir();
        Workspace.Init(dir.Path, Only("bigdata", "fork", "spawn"));
        File.AppendAllText(Path.Combine(dir.Path, "Remap.cs"), "\npublic sealed class Helper { }\n#error Remap.cs fails on its own\n");
        File.AppendAllText(Path.Combine(dir.Path, "Fork.cs"), "\n#line 1 \"Spawn.cs\"\nfile sealed class NeedsHelper { public Helper? H; }\n");
        var report = Grader.Grade(new GradeOptions { Workspace = dir.Path, Exercises = Only("bigdata", "fork", "spawn") });
        Assert.Equal(0, report.Score);
        Assert.All(report.Tests.Where(t => t.Exercise == "fork"), t => Assert.True(
            t.Reason.Contains("no assembly was built from the exercise files", StringComparison.Ordinal) || t.Reason.StartsWith("build failed: Spawn.cs", StringComparison.Ordinal), t.Reason));
    }

    [Fact]
    public void A_linked_or_special_exercise_file_is_refused_before_anything_reads_it()
    {
        using var dir = new TempDir();
        using var elsewhere = new TempDir();
        Workspace.Init(dir.Path, Only("fork", "exit", "spawn"));
        // a finished Fork.cs elsewhere, linked in; a FIFO that would block the copy for ever; a folder linked in that
        // holds a finished Spawn.cs
        File.WriteAllText(Path.Combine(elsewhere.Path, "Fork.cs"), Solution("Fork.cs"));
        File.Delete(Path.Combine(dir.Path, "Fork.cs"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "Fork.cs"), Path.Combine(elsewhere.Path, "Fork.cs"));
        File.Delete(Path.Combine(dir.Path, "Exit.cs"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(dir.Path, "Exit.cs")])) mkfifo.WaitForExit();
        Directory.CreateDirectory(Path.Combine(elsewhere.Path, "handin"));
        File.WriteAllText(Path.Combine(elsewhere.Path, "handin", "Spawn.cs"), Solution("Spawn.cs"));
        File.Delete(Path.Combine(dir.Path, "Spawn.cs"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "handin"), Path.Combine(elsewhere.Path, "handin"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = Grader.Grade(new GradeOptions { Workspace = dir.Path, Exercises = Only("fork", "exit", "spawn") });
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 60);
        Assert.Equal(0, report.Score);
        Assert.All(report.Tests.Where(t => t.Exercise == "fork"), t => Assert.Contains("Fork.cs is a symbolic link", t.Reason));
        Assert.All(report.Tests.Where(t => t.Exercise == "exit"), t => Assert.Contains("Exit.cs is a FIFO", t.Reason));
        Assert.All(report.Tests.Where(t => t.Exercise == "spawn"), t => Assert.Contains("Spawn.cs is missing", t.Reason));
    }

    [Fact]
    public void Traces_are_not_written_through_a_linked_vmlab_folder()
    {
        using var dir = new TempDir();
        using var victim = new TempDir();
        Workspace.Init(dir.Path, Only("fork"));
        File.Delete(Path.Combine(dir.Path, "Fork.cs"));     // fails at once, and failing tests leave traces
        File.Move(Path.Combine(dir.Path, ".vmlab", "workspace.json"), Path.Combine(victim.Path, "workspace.json"));
        Directory.Delete(Path.Combine(dir.Path, ".vmlab"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, ".vmlab"), victim.Path);
        File.WriteAllText(Path.Combine(victim.Path, "fork_isolation.trace"), "precious");

        var report = Grader.Grade(new GradeOptions { Workspace = dir.Path, Exercises = Only("fork") });
        Assert.Equal(0, report.Score);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(victim.Path, "fork_isolation.trace")));
        Assert.Equal(["fork_isolation.trace", "workspace.json"], Directory.GetFiles(victim.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("[\"fork\", \"nope\"]")]
    public void A_manifest_that_names_no_exercises_is_said_to_be_wrong(string manifest)
    {
        using var dir = new TempDir();
        Workspace.Init(dir.Path, Only("fork"));
        File.WriteAllText(Path.Combine(dir.Path, ".vmlab", "workspace.json"), manifest);
        var e = Assert.Throws<ArgumentException>(() => Workspace.Exercises(dir.Path));
        Assert.Contains(".vmlab/workspace.json", e.Message);
    }

    [Fact]
    public void A_reason_prints_as_one_line_whatever_the_exception_said()
    {
        var w = new StringWriter();
        Grader.WriteLine(w, new TestResult("spawn_alice", "spawn", 5, false, "your code threw Exception: \e[2J\e[H\nspawn_alice: OK (0.1s)\r\nScore: 162/162\a", 0.1));
        string[] lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(@"    your code threw Exception: \e[2J\e[H\nspawn_alice: OK (0.1s)\r\nScore: 162/162\x07", lines[1].TrimEnd('\r'));
    }

    [Theory]
    [InlineData("gradescope")]
    [InlineData("junit")]
    public void Course_formats_print_a_file_name_or_reason_as_one_line(string format)
    {
        // a workspace file named to forge passing tests and a score, and a reason that tries the same
        string forged = "x\nexit_forkexit: OK (0.5s)\nScore: 15";
        var report = new GradeReport(0, 15, [new TestResult("exit_forkexit", "exit", 15, false, "threw: \nexit_killed: OK (0.4s)\nScore: 15/15", 0.1)], null)
        {
            Notes = [$"pristine build: Exit.cs in the grader's own project; {forged} took no part"],
        };
        string text = format == "gradescope"
            ? string.Join("\n", System.Text.Json.JsonDocument.Parse(Formats.Gradescope(report)).RootElement.GetProperty("output").GetString(),
                System.Text.Json.JsonDocument.Parse(Formats.Gradescope(report)).RootElement.GetProperty("tests")[0].GetProperty("output").GetString())
            : string.Concat(System.Xml.Linq.XDocument.Parse(Formats.Junit(report)).Descendants().Select(e => e.Value + "\n" + string.Join("\n", e.Attributes().Select(a => a.Value))));
        var lines = text.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("exit_forkexit: OK", StringComparison.Ordinal) || l.StartsWith("exit_killed: OK", StringComparison.Ordinal) || l == "Score: 15" || l == "Score: 15/15");
        Assert.Contains(@"x\nexit_forkexit: OK (0.5s)\nScore: 15 took no part", text);
    }

    [Fact]
    public void A_C_file_that_includes_a_path_of_its_own_is_refused_before_gcc_opens_it()
    {
        // a FIFO in the workspace, included by absolute path: opening it would block the compiler until its limit
        using var dir = new TempDir();
        Workspace.Init(dir.Path, Only("friendly"));
        string fifo = Path.Combine(dir.Path, "pipe.h");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        File.WriteAllText(Path.Combine(dir.Path, "libetsbefriends.c"), $"#include \"{fifo}\"\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = Grader.Grade(new GradeOptions { Workspace = dir.Path, Exercises = Only("friendly") });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"grading took {clock.Elapsed}");
        Assert.Equal(0, report.Score);
        Assert.All(report.Tests, t => Assert.Contains($"libetsbefriends.c includes \"{fifo}\"", t.Reason));
    }

    [Fact]
    public void Without_bubblewrap_a_root_grader_runs_each_test_child_as_nobody()
    {
        // where bwrap does not work (a grading container), student code run as root could read the grader's memory
        var fallback = Sandbox.Probe("/nonexistent/bwrap");
        using var dir = new TempDir();
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ff);
        string uid = Path.Combine(dir.Path, "uid");
        var child = new ChildLauncher("/bin/sh", ["-c", $"id -u > {uid}", "sh"]);
        Grader.Grade(new GradeOptions { Filter = "bigdata_prints", Launcher = child, Sandbox = fallback, TestTimeout = TimeSpan.FromSeconds(20) });
        if (Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv"))
        {
            Assert.True(fallback.Note.Contains("tests run as user nobody (setpriv)", StringComparison.Ordinal), fallback.Note);
            Assert.Equal($"{Sandbox.Nobody}", File.ReadAllText(uid).Trim());
        }
        else Assert.DoesNotContain("nobody", fallback.Note);
    }

    [Fact]
    public void Student_code_on_another_thread_cannot_reach_a_fenced_reference_while_its_call_runs()
    {
        var guard = new SeamGuard(Catalog.Find("exit")!);
        Exception? seen = null;
        guard.Call(new object(), () =>
        {
            var other = new Thread(() => seen = Record.Exception(() => SeamGuard.Refuse("free_everything", "k.Abandon calls it", "exit")));
            other.Start();
            other.Join();
        });
        Assert.IsType<GradeFailure>(seen);
        // and once the call has returned, the kernel's own use of it is not refused
        SeamGuard.Refuse("free_everything", "k.Abandon calls it", "exit");
    }
}

/// <summary>A directory of the test's own, removed with everything in it (links removed, never followed).</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vmlab-labs-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

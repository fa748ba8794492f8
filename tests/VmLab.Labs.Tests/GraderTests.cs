using System.Net.Sockets;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>Wrong solutions and cheats, in the stub format `lab init` writes, graded through the pristine build:
/// each loses the points of the tests it names, with a reason that names its bug or its cheat.</summary>
[Collection("students")]
public class GraderTests(StudentWork work)
{
    public static TheoryData<string> WrongCases() => [.. StudentWork.Wrong.Select(f => f.ToString())];

    public static TheoryData<string> CheatCases() => [.. StudentWork.Cheats.Select(f => f.ToString())];

    [Theory]
    [MemberData(nameof(WrongCases))]
    public void A_wrong_solution_loses_the_tests_it_names_with_the_reason(string name) =>
        AssertLoses(StudentWork.Wrong.Single(f => f.ToString() == name));

    [Theory]
    [MemberData(nameof(CheatCases))]
    public void A_cheat_earns_no_points(string name) => AssertLoses(StudentWork.Cheats.Single(f => f.ToString() == name));

    public static TheoryData<string> RightCases() => [.. StudentWork.Right.Select(f => f.ToString())];

    [Theory]
    [MemberData(nameof(RightCases))]
    public void A_correct_solution_written_another_way_scores_full_marks(string name)
    {
        var report = work.Report(StudentWork.Right.Single(f => f.ToString() == name));
        Assert.NotEmpty(report.Tests);
        Assert.All(report.Tests, t => Assert.True(t.Passed, $"{name} failed {t.Name}: {t.Reason}"));
        Assert.True(report.FullMarks);
    }

    [Fact]
    public void Building_and_grading_leave_no_compiler_server_socket_in_tmp()
    {
        // Every build of student C# starts a compiler server of its own, which listens on a socket in /tmp and is
        // killed with the build. A socket made since the fixture began that nothing listens on any more is one a
        // build left behind (a build still running elsewhere, in another test, listens on its own; one just ended
        // removes its socket a moment later, so the check is repeated for a few seconds).
        Assert.NotEmpty(work.Report("solved").Tests);   // the fixture's builds and gradings are done
        List<string> left = [];
        for (int attempt = 0; attempt < 10; attempt++)
        {
            left = [.. Directory.GetFiles("/tmp", "vmlab-grader-*").Where(f => File.GetLastWriteTimeUtc(f) >= work.Started.AddSeconds(-1) && !Listening(f))];
            if (left.Count == 0) return;
            Thread.Sleep(500);
        }
        Assert.Fail($"left in /tmp: {string.Join(", ", left)}");
    }

    private static bool Listening(string socket)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void AssertLoses(StudentFile file)
    {
        Assert.NotEmpty(file.Expects);
        foreach (var e in file.Expects)
        {
            var report = work.Report(file, e);
            Assert.NotEmpty(report.Tests);
            Assert.All(report.Tests, t =>
            {
                Assert.False(t.Passed, $"{file} passed {t.Name}");
                Assert.Contains(e.Reason, t.Reason);
            });
            Assert.Equal(0, report.Score);
            Assert.False(report.FullMarks);
        }
    }

    [Fact]
    public void A_compile_error_costs_only_its_own_exercise()
    {
        var report = work.Report("broken");
        var fork = report.Tests.Where(t => t.Exercise == "fork").ToList();
        Assert.Equal(["fork_isolation", "fork_sharing", "fork_out_of_memory"], fork.Select(t => t.Name));
        Assert.All(fork, t => Assert.StartsWith("build failed: Fork.cs(", t.Reason));
        Assert.All(fork, t => Assert.Contains("error CS", t.Reason));
        Assert.All(report.Tests.Where(t => t.Exercise == "exit"), t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        Assert.Equal(Catalog.Find("exit")!.Points, report.Score);
    }

    [Fact]
    public void A_finished_library_in_the_workspace_and_a_makefile_that_uses_it_earn_nothing()
    {
        var report = work.Report("finished-library");
        Assert.Equal(Catalog.Find("friendly")!.Tests.Select(t => t.Name), report.Tests.Select(t => t.Name));
        Assert.Equal(0, report.Score);
        Assert.Contains(report.Tests, t => t.Reason.Contains("no handler ran", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(work.Dir("finished-library"), "makefile-ran")), "the workspace's Makefile ran");
        Assert.False(File.Exists(Path.Combine(work.Dir("finished-library"), "targets-ran")), "the workspace's MSBuild targets ran");
        Assert.Contains("Directory.Build.targets", work.Build("finished-library").Summary);
        Assert.Contains("Makefile", work.Build("finished-library").Summary);
        Assert.Contains("took no part", work.Build("finished-library").Summary);
    }

    [Fact]
    public void A_library_cannot_reach_into_the_test_process_that_runs_it()
    {
        // A correct library that first opens /proc/PPID/mem and /proc/PPID/fd/0 of the test process and kills it if
        // either opens. The test process is undumpable and, in the sandbox, the library has no capabilities.
        var result = Assert.Single(work.Report("inspecting").Tests);
        if (Sandbox.Current.Bwrap is null) return;      // outside the sandbox a root library may do anything: the output says so
        Assert.True(result.Passed, result.Reason);
    }

    [Fact]
    public void An_edited_manifest_does_not_shrink_what_the_instructor_grades()
    {
        var report = work.Report("manifest-edited");
        Assert.Equal(Catalog.Find("bigdata")!.Points + Catalog.Find("exit")!.Points, report.MaxScore);
        Assert.Equal(Catalog.Find("bigdata")!.Points, report.Score);
        Assert.All(report.Tests.Where(t => t.Exercise == "exit"), t => Assert.EndsWith("not implemented yet", t.Reason));
        Assert.Equal(["bigdata"], Workspace.Exercises(work.Dir("manifest-edited")).Select(e => e.Name));
    }

    [Fact]
    public void A_child_that_prints_a_passing_verdict_and_exits_zero_passes_nothing()
    {
        // A test child that only forges the old protocol: a JSON line on stdout and exit status 0.
        var forger = new ChildLauncher("/bin/sh", ["-c", "echo '{\"passed\":true,\"reason\":\"\",\"trace\":[]}'; echo '{\"schema\":\"vmlab-test-result/1\",\"test\":\"bigdata_prints\",\"passed\":true,\"reason\":\"\",\"trace\":[]}'; exit 0", "sh"]);
        var report = Grader.Grade(new GradeOptions { Filter = "bigdata", Launcher = forger });
        Assert.Equal(2, report.Tests.Count);
        Assert.Equal(0, report.Score);
        Assert.All(report.Tests, t => Assert.Contains("ended (exit status 0) before the test finished", t.Reason));
    }

    [Theory]
    [InlineData("(sleep 4; touch {0}) & echo started; exit 0", false)]
    [InlineData("(sleep 4; touch {0}) & sleep infinity", true)]
    public void A_child_that_leaves_processes_behind_neither_keeps_the_grader_waiting_nor_outlives_its_test(string script, bool hangs)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-lingerer-").FullName;
        try
        {
            string marker = Path.Combine(dir, "still-running");
            var child = new ChildLauncher("/bin/sh", ["-c", string.Format(System.Globalization.CultureInfo.InvariantCulture, script, marker), "sh"]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = Grader.Grade(new GradeOptions { Filter = "bigdata_prints", Launcher = child, Sandbox = Sandbox.None, TestTimeout = TimeSpan.FromSeconds(1) });
            Assert.InRange(clock.Elapsed.TotalSeconds, 0, 3.5);        // the sleeper would have taken 4 s, or forever
            var result = Assert.Single(report.Tests);
            Assert.False(result.Passed);
            Assert.StartsWith(hangs ? "timed out after 1 s" : "the test process ended (exit status 0)", result.Reason);
            Thread.Sleep(TimeSpan.FromSeconds(4.5) - clock.Elapsed);
            Assert.False(File.Exists(marker), "a process the test child started outlived its test");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_reference_scores_full_marks_through_the_student_path()
    {
        var report = work.Report("reference");
        Assert.All(report.Tests, t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        Assert.Equal(report.MaxScore, report.Score);
        Assert.True(report.FullMarks);
        Assert.Equal(Catalog.Tests.Count, report.Tests.Count);
    }
}

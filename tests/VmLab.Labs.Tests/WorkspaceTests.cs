using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>An untouched workspace and a finished one, graded through the pristine build.</summary>
[Collection("students")]
public class WorkspaceTests(StudentWork work)
{
    [Fact]
    public void An_untouched_workspace_builds_and_scores_zero_with_every_test_reported()
    {
        var report = work.Report("fresh");
        Assert.Null(report.BuildError);
        Assert.Equal(0, report.Score);
        Assert.Equal(Catalog.Tests.Sum(t => t.Points), report.MaxScore);
        Assert.Equal(Catalog.Tests.Select(t => t.Name), report.Tests.Select(t => t.Name));
        Assert.All(report.Tests.Where(t => t.Exercise != "friendly"), t => Assert.EndsWith("not implemented yet", t.Reason));
        Assert.All(report.Tests.Where(t => t.Exercise == "friendly" && t.Name != "friendly_signal_safe"), t => Assert.Contains("killed by SIGSEGV: no handler ran", t.Reason));
        Assert.Contains(report.Tests, t => t.Name == "friendly_signal_safe" && t.Reason.StartsWith("no SIGSEGV handler of the library", StringComparison.Ordinal));
    }

    [Fact]
    public void A_finished_workspace_scores_full_marks()
    {
        var report = work.Report("solved");
        Assert.All(report.Tests, t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        Assert.True(report.FullMarks);
        Assert.Equal(Catalog.Tests.Sum(t => t.Points), report.Score);
        Assert.Empty(Directory.GetFiles(Path.Combine(work.Dir("solved"), ".vmlab"), "*.trace"));
    }

    [Fact]
    public void Each_failing_test_leaves_its_trace_in_the_workspace()
    {
        foreach (var t in work.Report("fresh").Tests)
        {
            string trace = File.ReadAllText(Path.Combine(work.Dir("fresh"), ".vmlab", t.Name + ".trace"));
            Assert.Contains($"reason: {t.Reason}", trace);
        }
    }

    [Fact]
    public void The_output_says_what_was_built_and_what_isolates_the_tests()
    {
        var notes = work.Report("fresh").Notes;
        Assert.Contains(notes, n => n.StartsWith("pristine build: Remap.cs, CopyMappings.cs", StringComparison.Ordinal) && n.Contains("Lab.csproj") && n.Contains("took no part"));
        Assert.Contains(notes, n => n.StartsWith("sandbox: ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pristine_build_gives_a_kernel_the_students_seams_and_the_reference_elsewhere()
    {
        var build = work.Build("broken");
        Assert.False(build.Built(Catalog.Find("fork")!));
        Assert.True(build.Built(Catalog.Find("exit")!));
        Assert.Equal(["bigdata", "copy_mappings", "free_everything", "exit", "spawn", "page_alloc", "pipe"], build.StudentSeams.Select(e => e.Name));
        var seams = build.Seams();
        Assert.Same(VmLab.Sim.Kernel.KernelSeams.Reference.Fork, seams.Fork);
        Assert.NotSame(VmLab.Sim.Kernel.KernelSeams.Reference.Exit, seams.Exit);
        var k = new VmLab.Sim.Kernel.Kernel(new VmLab.Sim.Kernel.KernelOptions { Seams = seams });
        var e = Assert.Throws<GradeFailure>(() => seams.Spawn.Spawn(k, null!, 0));
        Assert.Equal("spawn: not implemented yet", e.Message);
    }
}

public sealed class WorkspaceInitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-init-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Stubs_carry_the_contract_and_say_not_implemented_yet()
    {
        string dir = Path.Combine(_root, "lab");
        Workspace.Init(dir, Catalog.Exercises);
        foreach (var e in Catalog.Exercises.Where(e => !e.IsC))
        {
            string stub = File.ReadAllText(Path.Combine(dir, e.StubFile));
            Assert.Contains($": {e.Seam!.Name}", stub);
            Assert.Contains("// Contract", stub);
            Assert.Contains("NotImplementedYetException", stub);
        }
        Assert.Contains("Contract:", File.ReadAllText(Path.Combine(dir, "libetsbefriends.c")));
        Assert.True(File.Exists(Path.Combine(dir, "Makefile")));
        string readme = File.ReadAllText(Path.Combine(dir, "README.md"));
        Assert.Contains("vmlab lab grade .", readme);
        Assert.All(Catalog.Tests, t => Assert.Contains($"`{t.Name}`", readme));
        string csproj = File.ReadAllText(Path.Combine(dir, Workspace.Project));
        Assert.Equal(typeof(VmLab.Sim.Kernel.Kernel).Assembly.Location, csproj.Split("<HintPath>")[1].Split("</HintPath>")[0]);
        Assert.Equal(typeof(VmLab.Linux.Mapping).Assembly.Location, csproj.Split("<HintPath>")[2].Split("</HintPath>")[0]);
        var ex = Assert.Throws<ArgumentException>(() => Workspace.Init(dir, Catalog.Exercises));
        Assert.Contains("already holds a lab workspace", ex.Message);
    }

    [Fact]
    public void Unknown_exercise_names_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Workspace.Parse(["fork,nosuch"]));
        Assert.Contains("unknown exercise 'nosuch'", e.Message);
        Assert.Equal(["fork", "exit"], Workspace.Parse(["exit, fork"]).Select(x => x.Name));
    }

    [Fact]
    public void Without_bubblewrap_the_grader_says_so_and_still_grades()
    {
        var missing = Sandbox.Probe("/nonexistent/bwrap");
        Assert.Null(missing.Bwrap);
        Assert.StartsWith("sandbox: bubblewrap is not installed", missing.Note);
        var report = Grader.Grade(new GradeOptions { Filter = "copy_mappings_process", Sandbox = missing });
        Assert.Equal([missing.Note], report.Notes);
        Assert.True(report.FullMarks, report.Tests[0].Reason);
        Assert.StartsWith("sandbox: ", Sandbox.Current.Note);
    }

    [Fact]
    public void The_test_filter_matches_a_name_exactly_or_an_exercise()
    {
        Assert.Equal(["fork_isolation"], Catalog.Select("fork_isolation").Select(t => t.Name));
        Assert.Equal(["fork_isolation", "fork_sharing", "fork_out_of_memory"], Catalog.Select("fork").Select(t => t.Name));
        Assert.Empty(Catalog.Select("fork_"));
        Assert.Empty(Catalog.Select("isolation"));
    }
}

using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>A temporary directory for one test class, removed afterwards.</summary>
public abstract class TempWorkspace : IDisposable
{
    protected TempWorkspace() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vmlab-lab-" + Guid.NewGuid().ToString("N")[..8]);

    public string Dir => Path.Combine(Root, "lab");

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>A freshly initialised workspace with every exercise, built and graded once.</summary>
public sealed class FreshWorkspace : TempWorkspace
{
    public FreshWorkspace()
    {
        Files = Workspace.Init(Dir, Catalog.Exercises);
        Report = Grader.Grade(new GradeOptions { Workspace = Dir });
    }

    public IReadOnlyList<string> Files { get; }
    public GradeReport Report { get; }
}

public class FreshWorkspaceTests(FreshWorkspace ws) : IClassFixture<FreshWorkspace>
{
    [Fact]
    public void An_empty_workspace_builds_and_scores_zero_with_every_test_reported()
    {
        Assert.Null(ws.Report.BuildError);
        Assert.Equal(0, ws.Report.Score);
        Assert.Equal(Catalog.Tests.Sum(t => t.Points), ws.Report.MaxScore);
        Assert.Equal(Catalog.Tests.Select(t => t.Name), ws.Report.Tests.Select(t => t.Name));
        Assert.All(ws.Report.Tests.Where(t => t.Exercise != "friendly"), t => Assert.EndsWith("not implemented yet", t.Reason));
        Assert.All(ws.Report.Tests.Where(t => t.Exercise == "friendly"), t => Assert.Contains("killed by SIGSEGV: no handler ran", t.Reason));
    }

    [Fact]
    public void Each_failing_test_leaves_its_trace_in_the_workspace()
    {
        foreach (var t in ws.Report.Tests)
        {
            string trace = File.ReadAllText(Path.Combine(ws.Dir, ".vmlab", t.Name + ".trace"));
            Assert.Contains($"reason: {t.Reason}", trace);
        }
    }

    [Fact]
    public void Stubs_carry_the_contract_and_say_not_implemented_yet()
    {
        foreach (var e in Catalog.Exercises.Where(e => !e.IsC))
        {
            string stub = File.ReadAllText(Path.Combine(ws.Dir, e.StubFile));
            Assert.Contains($": {e.Seam!.Name}", stub);
            Assert.Contains("// Contract", stub);
            Assert.Contains("NotImplementedYetException", stub);
        }
        Assert.Contains("Contract:", File.ReadAllText(Path.Combine(ws.Dir, "libetsbefriends.c")));
        Assert.True(File.Exists(Path.Combine(ws.Dir, "Makefile")));
        string readme = File.ReadAllText(Path.Combine(ws.Dir, "README.md"));
        Assert.Contains("vmlab lab grade .", readme);
        Assert.All(Catalog.Tests, t => Assert.Contains($"`{t.Name}`", readme));
    }

    [Fact]
    public void The_project_builds_against_the_simulator_the_tool_ships()
    {
        string csproj = File.ReadAllText(Path.Combine(ws.Dir, Workspace.Project));
        string hint = csproj.Split("<HintPath>")[1].Split("</HintPath>")[0];
        Assert.True(File.Exists(hint), hint);
        Assert.Equal(typeof(VmLab.Sim.Kernel.Kernel).Assembly.Location, hint);
        string linux = csproj.Split("<HintPath>")[2].Split("</HintPath>")[0];      // lazy_copy runs on VmLab.Linux
        Assert.True(File.Exists(linux), linux);
        Assert.Equal(typeof(VmLab.Linux.Mapping).Assembly.Location, linux);
    }

    [Fact]
    public void Init_refuses_to_overwrite_a_workspace()
    {
        var e = Assert.Throws<ArgumentException>(() => Workspace.Init(ws.Dir, Catalog.Exercises));
        Assert.Contains("already holds a lab workspace", e.Message);
    }

    [Fact]
    public void Unknown_exercise_names_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Workspace.Parse(["fork,nosuch"]));
        Assert.Contains("unknown exercise 'nosuch'", e.Message);
        Assert.Equal(["fork", "exit"], Workspace.Parse(["exit, fork"]).Select(x => x.Name));
    }
}

/// <summary>A workspace whose stubs a student has filled in correctly: the score rises to full marks.</summary>
public sealed class SolvedWorkspace : TempWorkspace
{
    public SolvedWorkspace()
    {
        Workspace.Init(Dir, Catalog.Exercises);
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Solution"), "*.txt"))
            File.Copy(file, Path.Combine(Dir, Path.GetFileName(file)[..^4]), overwrite: true);
        Report = Grader.Grade(new GradeOptions { Workspace = Dir });
    }

    public GradeReport Report { get; }
}

public class SolvedWorkspaceTests(SolvedWorkspace ws) : IClassFixture<SolvedWorkspace>
{
    [Fact]
    public void A_finished_workspace_scores_full_marks()
    {
        Assert.All(ws.Report.Tests, t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        Assert.True(ws.Report.FullMarks);
        Assert.Equal(Catalog.Tests.Sum(t => t.Points), ws.Report.Score);
        Assert.Empty(Directory.GetFiles(Path.Combine(ws.Dir, ".vmlab"), "*.trace"));
    }
}

/// <summary>A one-exercise workspace with a syntax error.</summary>
public sealed class BrokenWorkspace : TempWorkspace
{
    public BrokenWorkspace()
    {
        Workspace.Init(Dir, Workspace.Parse(["fork"]));
        File.AppendAllText(Path.Combine(Dir, "Fork.cs"), "\nclass Broken { int x = }\n");
        Report = Grader.Grade(new GradeOptions { Workspace = Dir });
    }

    public GradeReport Report { get; }
}

public class BrokenWorkspaceTests(BrokenWorkspace ws) : IClassFixture<BrokenWorkspace>
{
    [Fact]
    public void A_build_error_fails_every_test_with_the_compiler_message()
    {
        Assert.NotNull(ws.Report.BuildError);
        Assert.Contains("Fork.cs(", ws.Report.BuildError);
        Assert.Contains("error CS", ws.Report.BuildError);
        Assert.Equal(["fork_isolation", "fork_sharing", "fork_out_of_memory"], ws.Report.Tests.Select(t => t.Name));
        Assert.Equal(Catalog.Find("fork")!.Points, ws.Report.MaxScore);
        Assert.All(ws.Report.Tests, t => Assert.StartsWith("build failed: ", t.Reason));
        Assert.Equal(0, ws.Report.Score);
    }
}

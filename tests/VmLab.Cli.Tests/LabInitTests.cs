namespace VmLab.Cli.Tests;

/// <summary>lab init never loses a user's file: a non-empty directory is refused untouched unless --force, the
/// root and an empty name always; what it prints fits a pipe's 80 columns.</summary>
public sealed class LabInitTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-labinit-");

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    [Fact]
    public void A_directory_with_the_users_notes_is_refused_and_left_as_it_was()
    {
        string dir = Path.Combine(_dir.Path, "notes");
        _dir.Write("notes/README.md", "my own readme\n");
        _dir.Write("notes/crash.c", "int main(void) { return *(int *)0; }\n");
        _dir.Write("notes/.git/HEAD", "ref: refs/heads/main\n");
        var before = Snapshot(dir);
        var r = CliRunner.BadInput("lab", "init", dir);
        Assert.Contains("is not empty", r.Err);
        Assert.Contains("--force", r.Err);
        Assert.Equal(before, Snapshot(dir));
        Assert.False(Directory.Exists(Path.Combine(dir, ".vmlab")));
    }

    [Fact]
    public void Force_writes_the_workspace_and_keeps_files_of_other_names()
    {
        string dir = Path.Combine(_dir.Path, "forced");
        string notes = _dir.Write("forced/notes.txt", "keep me\n");
        CliRunner.Ok("lab", "init", dir, "--force", "--exercises", "fork");
        Assert.Equal("keep me\n", File.ReadAllText(notes));
        Assert.True(File.Exists(Path.Combine(dir, "Lab.csproj")));
        // A workspace holds the student's work: not even --force writes over it.
        string stub = Path.Combine(dir, "Fork.cs");
        File.WriteAllText(stub, "// my solution\n");
        var again = CliRunner.BadInput("lab", "init", dir, "--force");
        Assert.Contains("already holds a lab workspace", again.Err);
        Assert.Equal("// my solution\n", File.ReadAllText(stub));
    }

    [Fact]
    public void Force_never_writes_through_a_link_and_writes_nothing_when_one_is_there()
    {
        string outside = _dir.Write("precious.txt", "outside\n");
        string dir = Path.Combine(_dir.Path, "linked");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "README.md"), outside);
        File.CreateSymbolicLink(Path.Combine(dir, "Makefile"), Path.Combine(_dir.Path, "nowhere"));
        var r = CliRunner.BadInput("lab", "init", dir, "--force");
        Assert.Contains("is a symbolic link", r.Err);
        Assert.Equal("outside\n", File.ReadAllText(outside));
        Assert.False(File.Exists(Path.Combine(dir, "Lab.csproj")));
        Assert.False(Directory.Exists(Path.Combine(dir, ".vmlab")));
    }

    [Fact]
    public void Grade_results_are_never_written_into_the_workspace_graded()
    {
        string dir = Path.Combine(_dir.Path, "ws");
        CliRunner.Ok("lab", "init", dir, "--exercises", "fork");
        string stub = File.ReadAllText(Path.Combine(dir, "Fork.cs"));
        var r = CliRunner.BadInput("lab", "grade", dir, "--format", "junit", "-o", Path.Combine(dir, "Fork.cs"));
        Assert.Contains("inside the workspace being graded", r.Err);
        Assert.Equal(stub, File.ReadAllText(Path.Combine(dir, "Fork.cs")));
        Assert.Contains("not a regular file", CliRunner.BadInput("lab", "grade", dir, "--format", "junit", "-o", "/dev/full").Err);
        // the workspace reached through a link, or the link graded and the workspace named: still the workspace
        string link = Path.Combine(_dir.Path, "wslink");
        Directory.CreateSymbolicLink(link, dir);
        Assert.Contains("inside the workspace being graded", CliRunner.BadInput("lab", "grade", dir, "--format", "junit", "-o", Path.Combine(link, "Fork.cs")).Err);
        Assert.Contains("inside the workspace being graded", CliRunner.BadInput("lab", "grade", link, "--format", "junit", "-o", Path.Combine(dir, "Fork.cs")).Err);
        Assert.Equal(stub, File.ReadAllText(Path.Combine(dir, "Fork.cs")));
    }

    [Fact]
    public void Force_replaces_a_hard_linked_file_and_leaves_its_other_name_alone()
    {
        string outside = _dir.Write("notes.md", "my notes\n");
        string dir = Path.Combine(_dir.Path, "hard");
        Directory.CreateDirectory(dir);
        using (var ln = System.Diagnostics.Process.Start("ln", [outside, Path.Combine(dir, "README.md")])) ln.WaitForExit();
        CliRunner.Ok("lab", "init", dir, "--force");
        Assert.Equal("my notes\n", File.ReadAllText(outside));
        Assert.StartsWith("#", File.ReadAllText(Path.Combine(dir, "README.md")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/.")]
    public void An_empty_name_or_the_root_is_refused(string dir)
    {
        var r = CliRunner.BadInput("lab", "init", dir, "--force");
        Assert.Matches("empty|root directory", r.Err);
        Assert.False(File.Exists("/Lab.csproj"));
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "Lab.csproj")));
    }

    [Fact]
    public void A_file_is_not_a_directory()
    {
        string file = _dir.Write("plain.txt", "text\n");
        var r = CliRunner.BadInput("lab", "init", file);
        Assert.Contains("is a file", r.Err);
        Assert.Equal("text\n", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData(" , ")]
    public void Exercises_that_name_nothing_are_bad_input(string list)
    {
        string dir = Path.Combine(_dir.Path, "none");
        var r = CliRunner.BadInput("lab", "init", dir, "--exercises", list);
        Assert.Contains("names no exercise", r.Err);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void What_it_prints_into_a_pipe_fits_80_columns()
    {
        string dir = Path.Combine(_dir.Path, "fresh");
        var r = CliRunner.Ok("lab", "init", dir);
        Assert.All(r.Out.Split('\n'), line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
        Assert.Contains("Lab.csproj", r.Out);
    }
}

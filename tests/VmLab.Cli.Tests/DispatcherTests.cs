using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

public class DispatcherTests
{
    [Fact]
    public void Help_lists_the_verbs_and_exits_zero()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("tour", r.Out);
        Assert.Contains("sim", r.Out);
    }

    [Fact]
    public void Unknown_verb_is_one_line_on_stderr_and_exit_2()
    {
        var r = CliRunner.Run("no-such-verb");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("unknown command 'no-such-verb'", r.Err);
    }

    [Fact]
    public void Every_verb_has_help()
    {
        foreach (var c in AllCommands(Program.Commands, "vmlab"))
        {
            var r = CliRunner.Run([.. c.Split(' ').Skip(1), "--help"]);
            Assert.True(r.ExitCode == 0, $"{c} --help exited {r.ExitCode}: {r.Err}");
            Assert.False(string.IsNullOrWhiteSpace(r.Out), $"{c} --help printed nothing");
        }
    }

    [Fact]
    public void Unknown_option_names_the_token()
    {
        var r = CliRunner.Run("tour", "--bogus");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'--bogus'", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    private static IEnumerable<string> AllCommands(IEnumerable<ICommand> list, string prefix)
    {
        foreach (var c in list)
        {
            yield return $"{prefix} {c.Name}";
            if (c is CommandGroup g)
                foreach (var inner in AllCommands(g.Children, $"{prefix} {c.Name}"))
                    yield return inner;
        }
    }
}

using System.CommandLine;
using System.Text.RegularExpressions;
using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

/// <summary>The command line as a whole: help, version, typos, completion, number syntax.</summary>
public class CommandLineTests
{
    /// <summary>Every command path of the tree ("vmlab sim walk"), groups included.</summary>
    internal static IEnumerable<string[]> AllPaths(Command command, string[] prefix)
    {
        foreach (var c in command.Subcommands)
        {
            string[] path = [.. prefix, c.Name];
            yield return path;
            foreach (var inner in AllPaths(c, path))
                yield return inner;
        }
    }

    [Fact]
    public void Help_lists_the_verbs_and_exits_zero()
    {
        var r = CliRunner.Ok("--help");
        Assert.Contains("tour", r.Out);
        Assert.Contains("sim", r.Out);
        Assert.Equal(r.Out, CliRunner.Run().Out);
        Assert.Equal(r.Out, CliRunner.Run("help").Out);
    }

    [Fact]
    public void Help_for_a_verb_is_that_verbs_help()
    {
        var r = CliRunner.Ok("help", "anon");
        Assert.Contains("--bytes", r.Out);
        Assert.DoesNotContain("lazycopy", r.Out);
    }

    [Fact]
    public void Every_verb_has_help_with_an_example_that_fits_80_columns()
    {
        foreach (var path in AllPaths(Program.Build(), []))
        {
            var r = CliRunner.Run([.. path, "--help"]);
            string name = string.Join(' ', path);
            Assert.True(r.ExitCode == 0, $"{name} --help exited {r.ExitCode}: {r.Err}");
            Assert.Contains("Examples:\n  vmlab", r.Out);
            var wide = r.Out.Split('\n').Where(l => l.TrimEnd().Length > 80 && !l.StartsWith("  vmlab", StringComparison.Ordinal)).ToList();
            Assert.True(wide.Count == 0, $"{name} --help has lines over 80 columns: {string.Join(" | ", wide)}");
        }
    }

    [Fact]
    public void A_command_line_naming_a_verb_reads_as_it_does_with_every_verb_built()
    {
        // vmlab builds only the verb a command line names (start-up): its help, its errors and their typo suggestions
        // must read exactly as with the whole tree.
        foreach (var path in AllPaths(Program.Build(), []))
        {
            Assert.Single(Program.Build(path).Subcommands);
            foreach (string[] args in new string[][] { [.. path, "--help"], [.. path, "--no-such-option"], [.. path, "--jsn"] })
            {
                var (output, error) = (new StringWriter(), new StringWriter());
                int code = Runner.Run(Program.Build(), args, output, error);
                var r = CliRunner.Run(args);
                string line = string.Join(' ', args);
                Assert.True(code == r.ExitCode, $"{line}: exit {r.ExitCode}, {code} with every verb built");
                Assert.True(output.ToString() == r.Out, $"{line}: stdout differs from the whole tree's");
                Assert.True(error.ToString() == r.Err, $"{line}: '{r.Err.Trim()}' but '{error.ToString().Trim()}' with every verb built");
            }
        }
    }

    [Theory]
    [InlineData("quiz", "walk", "--seed", "7", "--answers")]
    [InlineData("sim", "memory", "--demo", "large")]
    [InlineData("sim", "walk", "--va", "0x100123", "--access", "write")]
    [InlineData("sim", "map-calls", "0->0x1F000", "0x4019->0x19", "0x1000FF->0x500FF")]
    [InlineData("maze", "answers")]
    [InlineData("completion", "bash")]
    [InlineData("maze", "show", "--text")]
    [InlineData("--help")]
    [InlineData("sim", "--help")]
    public void Output_in_a_pipe_fits_80_columns_without_escape_codes(params string[] args)
    {
        var r = CliRunner.Ok(args);
        Assert.DoesNotContain('\e', r.Out);
        var wide = r.Out.Split('\n').Where(l => l.Length > 80).ToList();
        Assert.True(wide.Count == 0, $"lines over 80 columns: {string.Join(" | ", wide)}");
    }

    /// <summary>Where the descriptions of a help's two-column lists (Arguments, Options, Commands) start.</summary>
    private static int DescriptionColumn(string help)
    {
        int column = 0, section = 0;
        foreach (string line in help.Split('\n'))
        {
            if (line is "Arguments:" or "Options:" or "Commands:") section = 1;
            else if (line.Length == 0 || line[0] != ' ') section = 0;
            else if (section == 1 && Regex.Match(line, @"^  \S.*?\S  +\S") is { Success: true } m)
                column = Math.Max(column, m.Length - 1);
        }
        return column;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("sim", "--help")]
    [InlineData("maze", "--help")]
    [InlineData("lab", "--help")]
    [InlineData("quiz", "--help")]
    public void Help_leaves_most_of_80_columns_to_the_descriptions(params string[] args)
    {
        var r = CliRunner.Ok(args);
        Assert.Contains("--help", r.Out);
        int column = DescriptionColumn(r.Out);
        Assert.True(column is > 0 and <= 32, $"descriptions start at column {column}, leaving {80 - column} of 80:\n{r.Out}");
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

    [Theory]
    [InlineData(new[] { "sim", "wlak" }, "vmlab sim: unknown command 'wlak' (did you mean 'walk'?)")]
    [InlineData(new[] { "sim", "walk", "--vaa", "3" }, "vmlab sim walk: unknown option '--vaa' (did you mean '--va'?)")]
    [InlineData(new[] { "anon", "--bytez", "4K" }, "vmlab anon: unknown option '--bytez' (did you mean '--bytes'?)")]
    public void A_typo_is_one_line_with_the_parsers_suggestion(string[] args, string expected)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(expected, r.Err.Trim());
    }

    [Theory]
    [InlineData("tour", "--bogus")]
    [InlineData("pagemap", "--zzz")]
    [InlineData("sim", "check-mapping", "--zzz")]
    [InlineData("maze", "walk", "1", "--zzz")]
    public void An_unknown_option_is_named_even_where_a_value_could_go(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"unknown option '{args[^1]}'", r.Err);
    }

    [Fact]
    public void Version_prints_the_version()
    {
        var r = CliRunner.Ok("--version");
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+"), r.Out);
        // '--version' alone builds no verb (start-up): it prints exactly what it prints with every verb built
        Assert.Empty(Program.Build(["--version"]).Subcommands);
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, Runner.Run(Program.Build(), ["--version"], output, error));
        Assert.Equal((output.ToString(), error.ToString()), (r.Out, r.Err));
    }

    [Fact]
    public void Completion_suggests_verbs_options_and_values()
    {
        Assert.Contains("walk", Lines(CliRunner.Run("[suggest:5]", "sim w").Out));
        Assert.Contains("--access", Lines(CliRunner.Run("[suggest:12]", "sim walk --a").Out));
        string line = "sim walk --va 0 --access ";
        Assert.Equal(["fetch", "read", "write"], Lines(CliRunner.Run($"[suggest:{line.Length}]", line).Out).Order());
        // Help names the argument <KIND>; completion still offers its values.
        Assert.Contains("errorcode", Lines(CliRunner.Run("[suggest:5]", "quiz ").Out));
        var script = CliRunner.Run("completion", "bash");
        Assert.Equal(0, script.ExitCode);
        Assert.Contains("complete -o default -F _vmlab_complete vmlab", script.Out);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("0x1F000", 0x1F000)]
    [InlineData("0X10", 16)]
    public void Numbers_accept_decimal_and_hex(string token, ulong expected) =>
        Assert.Equal(expected, Numbers.Parse(token, "--va"));

    [Theory]
    [InlineData("64K", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("2M", 2 << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("8192", 8192)]
    public void Sizes_accept_suffixes(string token, long expected) =>
        Assert.Equal(expected, Numbers.ParseSize(token, "--size"));

    [Theory]
    [InlineData("0xZZ")]
    [InlineData("-5")]
    [InlineData("12abc")]
    [InlineData("")]
    [InlineData("0x10000000000000000")]
    public void Bad_numbers_name_the_token(string token)
    {
        var e = Assert.Throws<UsageException>(() => Numbers.Parse(token, "--va"));
        Assert.Contains("--va", e.Message);
    }

    [Theory]
    [InlineData(new[] { "cow", "--pages", "0" }, "--pages must be between 1 and 65536 (got 0)")]
    [InlineData(new[] { "anon", "--bytes", "2G" }, "--bytes must be between 64 B and 1 GiB (got 2G)")]
    [InlineData(new[] { "sim", "walk", "--va" }, "--va needs a value")]
    [InlineData(new[] { "sim", "run", "pipe", "--kernel" }, "--kernel needs a value")]
    [InlineData(new[] { "completion" }, "SHELL is required (see 'vmlab completion --help')")]
    [InlineData(new[] { "maze" }, "give a command: show, walk, reach, reach-all, reach-only, boring, unreachable, drones or answers (see 'vmlab maze --help')")]
    public void Option_values_are_checked_at_parse_time(string[] args, string message)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.EndsWith(message, r.Err.Trim());
    }
}

/// <summary>"--" ends the options, as in every Unix tool: a file whose name starts with '-' can be named after it;
/// a negative number for a count is out of range, not "not a number".</summary>
public sealed class DoubleDashTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-dashes-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_file_named_like_an_option_runs_after_a_double_dash()
    {
        string elf = _dir.Elf("hello", "#include \"u-lib.h\"\nvoid process_main(void) { console_printf(\"hi\\n\"); }\n");
        string dashed = Path.Combine(_dir.Path, "-x.elf");
        File.Copy(elf, dashed);
        var r = CliRunner.Run("sim", "cpu", "--json", "--", dashed);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("\"exit_status\": 0", r.Out);
        Assert.Contains("unknown option '-x.elf'", CliRunner.BadInput("sim", "cpu", "-x.elf").Err);
    }

    [Fact]
    public void A_negative_count_is_said_to_be_out_of_range()
    {
        var r = CliRunner.BadInput("sim", "cpu", "--builtin", "hello", "--timeout", "-5");
        Assert.Contains("must be between", r.Err);
    }
}

using System.Text;

namespace VmLab.Cli.Tests;

/// <summary>
/// Input built to hurt: response files, FIFOs and devices where a file belongs, ELF symbol tables that would take
/// minutes or gigabytes, symbol names that drive the terminal, tokens of 100 KB. Each ends within seconds, with the
/// documented exit code and one short clean stderr line (or, for a name, an escaped one on stdout).
/// </summary>
public sealed class UntrustedInputTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-untrusted-");

    public void Dispose() => _dir.Dispose();

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private string Bytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static CliRunner.Result Refused(int code, params string[] args)
    {
        var o = Bounded.Run(args, Limit);
        Assert.True(o.Result.ExitCode == code, $"exit {o.Result.ExitCode}, expected {code}: {o.Result.Err}");
        Bounded.OneCleanLine(o.Result);
        Assert.True(o.Allocated < 256L << 20, $"allocated {o.Allocated >> 20} MiB");
        return o.Result;
    }

    [Fact]
    public void A_link_loop_or_a_name_too_long_is_bad_input_naming_the_file()
    {
        string a = Path.Combine(_dir.Path, "loop-a.elf"), b = Path.Combine(_dir.Path, "loop-b.elf");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        foreach (string verb in new[] { "cpu", "disasm" })
        {
            var loop = Refused(2, "sim", verb, a);
            Assert.Contains("loop-a.elf", loop.Err);
            Assert.Contains("symbolic links", loop.Err);
        }
        Assert.Contains("cannot read 'AAAA", Refused(2, "sim", "cpu", new string('A', 5000)).Err);
    }

    [Fact]
    public void Response_files_are_not_read()
    {
        string secret = _dir.Write("args.rsp", "root:x:0:0:secret\n");
        foreach (string token in new[] { "@" + secret, "@" + _dir.Path, "@/dev/zero", "@" + Bounded.Fifo(_dir.Path) })
        {
            var r = Refused(2, token);
            Assert.Contains("unknown command", r.Err);
            Assert.DoesNotContain("secret", r.Err);
        }
    }

    [Fact]
    public void A_fifo_or_a_device_given_as_an_input_file_is_refused_without_waiting()
    {
        string fifo = Bounded.Fifo(_dir.Path);
        string[][] cases =
        [
            ["sim", "cpu", fifo], ["sim", "disasm", fifo], ["sim", "run", "--program", fifo], ["maze", "show", "--file", fifo],
            ["friendly", "--messages", fifo, "--", "true"], ["sim", "cpu", "/dev/zero"], ["maze", "boring", "--file", "/dev/null"],
        ];
        foreach (var args in cases)
        {
            var o = Bounded.Run(args, TimeSpan.FromSeconds(20), () => Bounded.Release(fifo));
            Assert.True(o.Result.ExitCode == 2, $"{string.Join(' ', args)}: exit {o.Result.ExitCode}: {o.Result.Err}");
            Bounded.OneCleanLine(o.Result);
            Assert.Matches("FIFO|device", o.Result.Err);
        }
    }

    public static TheoryData<string, int, int, int> SymbolBombs() => new()
    {
        // An unterminated 4 MiB name, read once per symbol: minutes of scanning.
        { "unterminated", 4 << 20, 20_000, 0 },
        // 600 distinct names of about 4 MiB each: gigabytes of strings.
        { "long names", 4 << 20, 600, 1 },
        // 4000 section headers that all describe one table of 20,000 symbols.
        { "repeated table", 0, 20_000, 2 },
    };

    [Theory]
    [MemberData(nameof(SymbolBombs))]
    public void An_elf_symbol_table_built_to_exhaust_the_reader_costs_milliseconds(string what, int run, int symbols, int kind)
    {
        byte[] strings = kind switch
        {
            0 => [0, .. Enumerable.Repeat((byte)'A', run)],
            1 => [0, .. Enumerable.Repeat((byte)'A', run), 0],
            _ => [0, .. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, symbols).Select(i => $"s{i:d5}\0")))],
        };
        string elf = Bytes(what.Replace(' ', '-') + ".elf", TestElf.Build(TestElf.GetPidLoop, strings, symbols,
            i => kind == 2 ? 1 + 7 * i : 1 + i, tables: kind == 2 ? 4000 : 1));
        foreach (string verb in new[] { "disasm", "cpu" })
        {
            var o = Bounded.Run(verb == "cpu" ? ["sim", verb, elf, "--steps", "100"] : ["sim", verb, elf], Limit);
            Assert.True(o.Elapsed < TimeSpan.FromSeconds(15), $"{what}: sim {verb} took {o.Elapsed.TotalSeconds:0.0} s");
            Assert.True(o.Allocated < 512L << 20, $"{what}: sim {verb} allocated {o.Allocated >> 20} MiB");
            if (kind == 2)
                Assert.True(o.Result.ExitCode is 0 or 1, $"{what}: exit {o.Result.ExitCode}: {o.Result.Err}");
            else
            {
                Assert.Equal(2, o.Result.ExitCode);
                Bounded.OneCleanLine(o.Result);
                Assert.Contains("longer than 4096 bytes", o.Result.Err);
            }
        }
    }

    [Fact]
    public void A_symbol_name_that_drives_the_terminal_is_shown_escaped()
    {
        byte[] strings = [0, .. "\e]0;pwned\a\e[2Jmain\0"u8];
        string elf = Bytes("escape.elf", TestElf.Build(TestElf.GetPidLoop, strings, 1));
        var r = CliRunner.Run("sim", "disasm", elf);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains(@"\e]0;pwned\x07\e[2Jmain", r.Out);
        Assert.DoesNotContain(r.Out, c => char.IsControl(c) && c is not '\n');
        var trace = CliRunner.Run("sim", "cpu", elf, "--trace", "--steps", "6", "--json");
        Assert.DoesNotContain("\u001b", trace.Out);
    }

    [Fact]
    public void A_getpid_loop_is_stopped_by_the_clock_with_a_clear_reason()
    {
        string elf = Bytes("getpid.elf", TestElf.Build(TestElf.GetPidLoop));
        var o = Bounded.Run(["sim", "cpu", elf, "--timeout", "1", "--steps", "10000000000"], Limit);
        Assert.Equal(1, o.Result.ExitCode);
        Assert.Contains("time limit (1 s)", o.Result.Out);
        Assert.Contains("raise --timeout", o.Result.Out);
        Assert.True(o.Elapsed < TimeSpan.FromSeconds(15), $"took {o.Elapsed.TotalSeconds:0.0} s");

        var run = Bounded.Run(["sim", "run", "--program", elf, "--timeout", "1", "--json"], Limit);
        Assert.Equal(1, run.Result.ExitCode);
        Assert.Contains("\"out_of_time\": true", run.Result.Out);
        // a million one-byte messages through the busy-polling pipe: billions of instructions, whatever the checker costs
        var scenario = Bounded.Run(["sim", "run", "pipe", "--kernel", "naive", "--messages", "1000000", "--steps", "10000000000",
            "--timeout", "1", "--json"], Limit);
        Assert.Equal(1, scenario.Result.ExitCode);
        Assert.Contains("stopped by its time limit", scenario.Result.Out);
    }

    [Theory]
    [InlineData("[suggest:-5]")]
    [InlineData("[suggest:999999999999]")]
    [InlineData("[suggest:x]")]
    [InlineData("[suggestion]")]
    public void A_bad_suggest_directive_is_bad_input(string directive) => Refused(2, directive, "sim w");

    [Fact]
    public void A_good_suggest_directive_still_completes()
    {
        var r = CliRunner.Ok("[suggest:5]", "sim w");
        Assert.Equal("walk", r.Out.Trim());
    }

    [Theory]
    [InlineData("8.8.8.8", 1, "not one of this machine's")]
    [InlineData("1", 2, "not an IP address")]
    [InlineData("", 2, "not an IP address")]
    [InlineData("300.1.1.1", 2, "not an IP address")]
    public void Web_refuses_a_host_it_cannot_listen_on_in_one_line(string host, int code, string why)
    {
        var r = Refused(code, "web", "--host", host, "--port", "0");
        Assert.Contains(why, r.Err);
    }

    [Fact]
    public void A_100_kb_token_is_clipped_and_control_characters_are_escaped_in_every_verb()
    {
        string token = "\e]0;owned\a" + new string('x', 100_000);
        foreach (var path in CommandLineTests.AllPaths(Program.Build(), []).Where(p => p is not ["lab", "init"]))
        {
            foreach (string[] args in new string[][] { [.. path, "--" + token], [.. path, "--json", token] })
            {
                var o = Bounded.Run(args, Limit);
                if (o.Result.ExitCode == 0) continue;    // a verb that takes any word (maze walk ROOM) may say so on stdout
                Bounded.OneCleanLine(o.Result);
                Assert.DoesNotContain(o.Result.Out, c => c == '\e');
            }
        }
    }

    [Fact]
    public void A_suggestion_never_reads_the_same_as_the_token()
    {
        var r = Refused(2, "idempotent", "--seed ", "1");
        Assert.DoesNotContain("did you mean '--seed'", r.Err);
        Assert.Contains("space", r.Err);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("sim", "bogus")]
    public void Help_for_a_command_that_does_not_exist_is_bad_input(params string[] words)
    {
        var r = Refused(2, ["help", .. words]);
        Assert.Contains("unknown command 'bogus'", r.Err);
        Assert.Equal("", r.Out);
        Refused(2, [.. words, "--help"]);
    }

    [Fact]
    public void Every_error_line_fits_200_bytes_even_when_a_library_message_is_long()
    {
        string deep = Path.Combine(_dir.Path, string.Join('/', Enumerable.Repeat(new string('d', 200), 3)), "x.elf");
        var r = Refused(2, "sim", "cpu", deep);
        Assert.Contains("no such file", r.Err);
    }

    [Fact]
    public void A_message_file_cannot_drive_the_terminal()
    {
        if (!OperatingSystem.IsLinux()) return;
        string file = _dir.Write("messages.txt", "\e]0;pwned\a\e[2JKeep going\u009b2J!\n");
        var r = CliRunner.Run("friendly", "--messages", file, "--", VmLab.Linux.Friendly.TestProgramPath, "null");
        Assert.Equal(VmLab.Linux.Friendly.FaultExitStatus, r.ExitCode);
        Assert.Contains("]0;pwned", r.Err);
        Assert.Contains("Keep going", r.Err);
        Assert.DoesNotContain(r.Err, c => char.IsControl(c) && c is not '\n');
    }

    [Fact]
    public void Friendly_json_keeps_a_bounded_tail_of_a_flood_of_output()
    {
        if (!OperatingSystem.IsLinux()) return;
        // 64 MiB on stdout, then a fault: memory stays near the tail, and the library's report is still found.
        var o = Bounded.Run(["friendly", "--json", "--", "sh", "-c",
            $"head -c {64 << 20} /dev/zero | tr '\\0' x; exec {VmLab.Linux.Friendly.TestProgramPath} null"], Limit);
        Assert.Equal(VmLab.Linux.Friendly.FaultExitStatus, o.Result.ExitCode);
        var j = System.Text.Json.Nodes.JsonNode.Parse(o.Result.Out)!;
        Assert.True((bool)j["faulted"]!);
        string stdout = (string)j["stdout"]!;
        Assert.True(stdout.Length <= VmLab.Linux.Friendly.CapturedChars + 100, $"{stdout.Length} characters kept");
        Assert.StartsWith("[", stdout);
        Assert.Contains("earlier characters not kept", stdout);
        Assert.True(o.Allocated < 512L << 20, $"allocated {o.Allocated >> 20} MiB");
    }

    [Theory]
    [InlineData("lazycopy", "--size", "256M", "--chunks", "4")]
    [InlineData("lazycopy", "--sizes", "32M,48M", "--chunks", "2")]
    [InlineData("mmap", "--bytes", "1G")]
    [InlineData("cow", "--pages", "65536", "--repeat", "100")]
    [InlineData("sim", "run", "forkexit", "--count", "1000000")]
    public void A_run_past_the_memory_and_time_budget_is_refused_before_it_starts(params string[] args)
    {
        var r = Refused(2, args);
        Assert.Matches("at most|between", r.Err);
        var help = CliRunner.Ok([.. args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)), "--help"]);
        Assert.Contains("1 GiB of memory", help.Out);
    }

    [Fact]
    public void A_maze_past_its_room_limit_is_refused_and_a_big_one_gets_a_short_report()
    {
        string many = _dir.Write("many.maze", string.Concat(Enumerable.Range(0, 250_001).Select(i => $"room x{i}: 0->x0 1->pit\n")));
        var refused = Bounded.Run(["maze", "show", "--file", many], Limit).Result;
        Assert.Equal(2, refused.ExitCode);
        Bounded.OneCleanLine(refused);
        Assert.Contains("at most 250000", refused.Err);

        var rng = new Random(5);
        string big = _dir.Write("big.maze", string.Concat(Enumerable.Range(0, 100_000).Select(i =>
            $"room r{i}: 0->r{rng.Next(100_000)} 1->{(i % 7 == 0 ? "pit" : $"r{rng.Next(100_000)}")}{(i % 3 == 0 ? " colour=blue" : "")}\n")));
        var o = Bounded.Run(["maze", "answers", "--file", big], Limit);
        Assert.True(o.Result.ExitCode is 0 or 1, o.Result.Err);
        Assert.True(o.Result.Out.Length < 64 * 1024, $"{o.Result.Out.Length} characters of report");
        Assert.Contains("100000 in all", o.Result.Out);
    }
}

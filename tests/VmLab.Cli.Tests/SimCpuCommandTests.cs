using System.Text.Json;
using System.Text.RegularExpressions;

namespace VmLab.Cli.Tests;

/// <summary><c>sim cpu</c> and <c>sim disasm</c> on the built-in C programs (--builtin NAME) and on files that are
/// not programs; ELF files a user compiled are in <see cref="SimElfCommandTests"/>.</summary>
public sealed class SimCpuCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-cpu-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.Err.Length == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement.Clone();
    }

    [Fact]
    public void Builtin_hello_runs_on_the_kernel_prints_its_pid_and_exits_zero()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "hello");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("| Hello, world! I am pid 1", r.Out);
        Assert.Contains("exit(0)", r.Out);
        Assert.Contains("verdict: CONFIRMED", r.Out);
    }

    [Fact]
    public void Json_of_a_builtin_has_the_elf_keys_with_measured_values()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "hello", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = Json(r);
        Assert.Equal("hello (built-in)", j.GetProperty("program").GetString());
        Assert.True(j.GetProperty("instructions").GetInt64() > 100);
        Assert.Equal("exit(0)", j.GetProperty("stop_reason").GetString());
        Assert.True(j.GetProperty("exited").GetBoolean());
        Assert.Equal(0, j.GetProperty("exit_status").GetInt64());
        Assert.Equal("Hello, world! I am pid 1\n", j.GetProperty("console").GetString());
        Assert.Equal(j.GetProperty("console").GetString(), j.GetProperty("output").GetString());
        Assert.True(j.GetProperty("syscalls").GetInt64() >= 2);          // getpid, write, exit
        Assert.Equal(0, j.GetProperty("faults").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, j.GetProperty("trace").ValueKind);
    }

    [Fact]
    public void The_allocator_allocates_until_the_kernel_says_no_unless_the_budget_ends_first()
    {
        var full = Json(CliRunner.Run("sim", "cpu", "--builtin", "allocator", "--json"));
        Assert.Equal(0, full.GetProperty("exit_status").GetInt64());
        Assert.Matches(@"^allocator pid 1: [1-9][0-9]* pages, then page_alloc said no\n$", full.GetProperty("console").GetString());

        var r = CliRunner.Run("sim", "cpu", "--builtin", "allocator", "--steps", "2000", "--json");
        Assert.Equal(1, r.ExitCode);
        var cut = Json(r);
        Assert.False(cut.GetProperty("exited").GetBoolean());
        Assert.StartsWith("still running after", cut.GetProperty("stop_reason").GetString());
        Assert.True(cut.GetProperty("syscalls").GetInt64() > 10);
    }

    [Fact]
    public void Trace_lists_the_first_instructions_in_gnu_syntax_and_steps_limit_the_run()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "hello", "--trace", "--steps", "10");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("_start:", r.Out);
        Assert.Matches(@"mov %rdi,0x[0-9a-f]+\(%rip\) +# [0-9a-f]+ <process_arg>", r.Out);   // rip-relative, as objdump shows it
        Assert.Matches(@"call [0-9a-f]+ <process_main>", r.Out);
        Assert.Contains("process_main:", r.Out);
        Assert.Contains("still running after 10 instructions", r.Out);
    }

    [Fact]
    public void Disasm_of_a_builtin_shows_its_functions_and_the_syscall()
    {
        var j = Json(CliRunner.Run("sim", "disasm", "--builtin", "hello", "--syntax", "intel", "--json"));
        Assert.Equal(0x100000UL, j.GetProperty("entry").GetUInt64());
        Assert.Equal("intel", j.GetProperty("syntax").GetString());
        var lines = j.GetProperty("lines").EnumerateArray().ToList();
        Assert.Contains(lines, l => l.GetProperty("label").GetString() == "process_main");
        Assert.Contains(lines, l => l.GetProperty("text").GetString() == "syscall");
        // branch targets as objdump prints them: the address, then the symbol holding it (+ the offset into it)
        Assert.Contains(lines, l => Regex.IsMatch(l.GetProperty("text").GetString()!, @"^call [0-9a-f]+ <process_main>$"));
        Assert.Contains(lines, l => Regex.IsMatch(l.GetProperty("text").GetString()!, @"^jmp [0-9a-f]+ <sys_exit\+0x[0-9a-f]+>$"));
        Assert.Equal("4889", lines[0].GetProperty("bytes").GetString()![..4]);   // mov [rip+...], rdi
    }

    [Fact]
    public void Every_builtin_name_is_offered_and_an_unknown_one_is_named_with_them()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "nosuch");
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains("no program 'nosuch'", line);
        foreach (string name in new[] { "hello", "allocator", "forker", "alice", "eve", "pipewriter", "pipereader" })
            Assert.Contains(name, line);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("disasm")]
    public void Files_that_are_not_elf_and_missing_files_are_one_line_errors(string verb)
    {
        string source = Path.Combine(_dir, "prog.s");
        File.WriteAllText(source, ".text\n_start: mov rdi, 7\nmov rax, 2\nsyscall\n");   // assembler source is no program
        var r1 = CliRunner.Run("sim", verb, source);
        Assert.Equal(2, r1.ExitCode);
        Assert.Contains("not an ELF file", Assert.Single(r1.Err.TrimEnd('\n').Split('\n')));
        var r2 = CliRunner.Run("sim", verb, "/nonexistent/x.elf");
        Assert.Equal(2, r2.ExitCode);
        Assert.Contains("cannot read '/nonexistent/x.elf': no such file", r2.Err);
        var r3 = CliRunner.Run("sim", verb);
        Assert.Equal(2, r3.ExitCode);
        Assert.Contains("missing FILE (or --builtin NAME)", r3.Err);
        var r4 = CliRunner.Run("sim", verb, source, "--builtin", "hello");
        Assert.Equal(2, r4.ExitCode);
        Assert.Contains("not both", r4.Err);
    }

    [Fact]
    public void The_assembler_verb_is_gone()
    {
        var r = CliRunner.Run("sim", "asm", "prog.s");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown command 'asm'", r.Err);
    }

    [Fact]
    public void Tour_step_runs_the_builtin_hello_on_the_kernel()
    {
        var r = CliRunner.Run("tour", "--only", "sim cpu");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("x86-64", r.Out);
        Assert.Contains("Hello, world! I am pid 1", r.Out);
    }
}

/// <summary><c>sim run</c> takes a scenario or --program, never both: a scenario used to ignore --program.</summary>
public sealed class SimRunProgramOrScenarioTests
{
    [Fact]
    public void A_scenario_name_with_program_is_bad_input_and_runs_nothing()
    {
        using var dir = new TempDir("vmlab-run-");
        string elf = Path.Combine(dir.Path, "hello.elf");
        File.WriteAllBytes(elf, VmLab.Sim.Elf.ElfPrograms.Bytes("hello")!);
        foreach (string[] args in new[] { new[] { "sim", "run", "--program", elf, "hello" }, ["sim", "run", "--program", elf, "fork", "--json"] })
        {
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Out);
            Assert.Contains("or --program, not both", Assert.Single(r.Err.TrimEnd('\n').Split('\n')));
        }
        Assert.Equal(0, CliRunner.Run("sim", "run", "--program", elf).ExitCode);
    }

    [Fact]
    public void A_program_option_before_a_scenario_name_is_refused_not_ignored()
    {
        var r = CliRunner.Run("sim", "run", "--steps", "5", "hello");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--steps before the scenario name", r.Err);
        Assert.Equal(0, CliRunner.Run("sim", "run", "hello", "--steps", "5000000").ExitCode);
    }
}

using System.Text.Json;

namespace VmLab.Cli.Tests;

/// <summary>User ELF programs through the sim verbs: run --program, cpu, disasm, and bad ELF files.</summary>
public sealed class SimElfCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-elf-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Compile(string name, string body)
    {
        string src = Path.Combine(_dir, name + ".c"), elf = Path.Combine(_dir, name + ".elf");
        File.WriteAllText(src, "#include \"u-lib.h\"\nvoid process_main(void) {\n" + body + "\n}\n");
        var r = CliRunner.Run("sim", "cc", src, "-o", elf);
        Assert.True(r.ExitCode == 0, r.Err);
        return elf;
    }

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.Err.Length == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    [Fact]
    public void Run_program_reports_console_and_exit_status()
    {
        string elf = Compile("seven", "console_printf(\"counted to %d\\n\", 6 * 7); sys_exit(7);");
        var r = CliRunner.Run("sim", "run", "--program", elf, "--json");
        Assert.Equal(0, r.ExitCode);
        var j = Json(r);
        Assert.Equal("counted to 42\n", j.GetProperty("console").GetString());
        var p = Assert.Single(j.GetProperty("processes").EnumerateArray());
        Assert.Equal(7, p.GetProperty("exit_status").GetInt64());
        Assert.Equal(0, j.GetProperty("leaked_frames").GetInt32());
        Assert.True(j.GetProperty("passed").GetBoolean());
        Assert.True(j.GetProperty("steps").GetInt64() > 0);
    }

    [Fact]
    public void Cpu_and_run_agree_on_the_verdict_and_a_fault_says_where_and_why()
    {
        string seven = Compile("seven", "sys_exit(7);");
        string div = Compile("div", "volatile int z = 0; console_printf(\"%d\\n\", 10 / z);");
        foreach (string elf in new[] { seven, div })
        {
            var cpu = CliRunner.Run("sim", "cpu", elf, "--json");
            var run = CliRunner.Run("sim", "run", "--program", elf, "--json");
            Assert.Equal(run.ExitCode, cpu.ExitCode);
            var (c, r) = (Json(cpu), Json(run));
            Assert.Equal(r.GetProperty("passed").GetBoolean(), c.GetProperty("passed").GetBoolean());
            Assert.Equal(r.GetProperty("verdict").GetString(), c.GetProperty("verdict").GetString());
        }
        var j = Json(CliRunner.Run("sim", "cpu", div, "--json"));
        Assert.False(j.GetProperty("passed").GetBoolean());
        var f = Assert.Single(j.GetProperty("faults").EnumerateArray());
        Assert.Equal(("DIVIDE ERROR", "divide by zero", "SIGFPE", 0), (f.GetProperty("kind").GetString(), f.GetProperty("cause").GetString(),
            f.GetProperty("signal").GetString(), f.GetProperty("vector").GetInt32()));
        Assert.StartsWith("process_main+0x", f.GetProperty("where").GetString());
        Assert.StartsWith("idiv ", f.GetProperty("instruction").GetString());
        Assert.Matches(@"divide by zero, in process_main\+0x[0-9a-f]+: idiv ", f.GetProperty("message").GetString());
    }

    [Fact]
    public void Trace_shows_the_registers_flags_and_memory_each_instruction_wrote()
    {
        string elf = Compile("hi", "console_printf(\"hi\\n\");");
        var r = CliRunner.Run("sim", "cpu", elf, "--trace", "--steps", "40");
        Assert.Matches(@"call [0-9a-f]+ <process_main>\n +-> rsp=0x2ffff8 \[0x2ffff8\]=0x10[0-9a-f]+\n", r.Out);   // the return address pushed
        Assert.Matches(@"xor %ebp,%ebp\n +-> rbp=0x0 CF=0 PF=1 AF=0 ZF=1 SF=0 OF=0\n", r.Out);
        var j = Json(CliRunner.Run("sim", "cpu", elf, "--trace", "--steps", "40", "--json"));
        var call = j.GetProperty("trace").EnumerateArray().First(t => t.GetProperty("text").GetString()!.StartsWith("call"));
        Assert.Equal("0x2ffff8", call.GetProperty("registers").GetProperty("rsp").GetString());
        var store = Assert.Single(call.GetProperty("memory").EnumerateArray());
        Assert.Equal((0x2ffff8UL, 8), (store.GetProperty("address").GetUInt64(), store.GetProperty("size").GetInt32()));
        Assert.Equal("", call.GetProperty("flags").GetString());
    }

    [Fact]
    public void Two_programs_run_side_by_side_each_with_its_status()
    {
        string a = Compile("first", "console_printf(\"first %d\\n\", sys_getpid());");
        string b = Compile("second", "console_printf(\"second %d\\n\", sys_getpid()); sys_exit(3);");
        var j = Json(CliRunner.Run("sim", "run", "--program", $"{a},{b}", "--json"));
        var procs = j.GetProperty("processes").EnumerateArray().ToList();
        Assert.Equal(2, procs.Count);
        Assert.Equal(("first", 0L), (procs[0].GetProperty("name").GetString(), procs[0].GetProperty("exit_status").GetInt64()));
        Assert.Equal(("second", 3L), (procs[1].GetProperty("name").GetString(), procs[1].GetProperty("exit_status").GetInt64()));
        string console = j.GetProperty("console").GetString()!;
        Assert.Contains("first 1\n", console);
        Assert.Contains("second 2\n", console);
    }

    [Fact]
    public void A_program_that_never_ends_is_reported_still_running()
    {
        string elf = Compile("spin", "for (;;) sys_yield();");
        var r = CliRunner.Run("sim", "run", "--program", elf, "--steps", "5000", "--json");
        Assert.Equal(1, r.ExitCode);
        var j = Json(r);
        Assert.False(j.GetProperty("passed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, j.GetProperty("processes")[0].GetProperty("exit_status").ValueKind);
    }

    [Fact]
    public void A_compute_program_of_a_few_hundred_million_instructions_runs_to_its_end_without_steps()
    {
        // ~200 M instructions: twice what sim cpu's budget used to be, so the run would have stopped with "raise --steps".
        const int n = 40_000_000;
        string elf = Compile("lcg", $$"""
            unsigned long x = 1;
            for (unsigned long i = 0; i < {{n}}; i++) x = x * 6364136223846793005UL + i;
            console_printf("%d\n", (int) (x >> 48));
            sys_exit(0);
            """);
        ulong x = 1;
        for (ulong i = 0; i < n; i++) x = x * 6364136223846793005UL + i;

        var r = CliRunner.Run("sim", "cpu", elf, "--json");
        Assert.True(r.ExitCode == 0, r.Err + r.Out);
        var j = Json(r);
        Assert.Equal("exit(0)", j.GetProperty("stop_reason").GetString());
        Assert.Equal($"{(int)(x >> 48)}\n", j.GetProperty("console").GetString());
        Assert.True(j.GetProperty("instructions").GetInt64() > 100_000_000, $"{j.GetProperty("instructions")} instructions");
    }

    [Fact]
    public void Cpu_runs_an_elf_and_traces_disassembled_instructions()
    {
        string elf = Compile("hi", "console_printf(\"hi\\n\");");
        var r = CliRunner.Run("sim", "cpu", elf, "--trace");
        Assert.True(r.ExitCode == 0, r.Err + r.Out);
        Assert.Contains("_start:", r.Out);
        Assert.Matches(@"call [0-9a-f]+ <process_main>", r.Out);   // objdump's form: address, then symbol
        Assert.Contains("| hi", r.Out);
        var j = Json(CliRunner.Run("sim", "cpu", elf, "--json"));
        Assert.Equal("hi\n", j.GetProperty("console").GetString());
        Assert.Equal(0, j.GetProperty("exit_status").GetInt64());
        Assert.True(j.GetProperty("instructions").GetInt64() > 10);
    }

    [Fact]
    public void Disasm_prints_gnu_or_intel_syntax_with_symbols()
    {
        string elf = Compile("hi", "console_printf(\"hi\\n\");");
        var gnu = CliRunner.Run("sim", "disasm", elf);
        var intel = CliRunner.Run("sim", "disasm", elf, "--syntax", "intel");
        Assert.True(gnu.ExitCode == 0 && intel.ExitCode == 0, gnu.Err + intel.Err);
        Assert.Contains("process_main:", intel.Out);
        Assert.Contains("xor %ebp,%ebp", gnu.Out);
        Assert.Contains("xor ebp,ebp", intel.Out);
        Assert.DoesNotContain("%", intel.Out.Split('\n').Where(l => l.StartsWith("  00")).Aggregate("", (a, l) => a + l));
    }

    public static TheoryData<string> BadInputs => ["truncated", "text", "/dev/zero", "directory", "missing", "arm"];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_elf_files_are_one_line_exit_2(string kind)
    {
        string path = Path.Combine(_dir, kind);
        switch (kind)
        {
            case "truncated": File.WriteAllBytes(path, File.ReadAllBytes(Compile("t", "")).AsSpan(0, 100).ToArray()); break;
            case "text": File.WriteAllText(path, "int main() { return 0; }\n"); break;
            case "/dev/zero": path = "/dev/zero"; break;
            case "directory": Directory.CreateDirectory(path); break;
            case "arm":
                byte[] elf = File.ReadAllBytes(Compile("m", ""));
                elf[18] = 183;     // e_machine = EM_AARCH64
                File.WriteAllBytes(path, elf);
                break;
        }
        foreach (string[] args in new[] { new[] { "sim", "run", "--program", path, "--json" }, ["sim", "run", "--program", path] })
        {
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Out);
            string line = Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
            Assert.DoesNotContain("Exception", line);
            Assert.StartsWith("vmlab sim run: ", line);
        }
    }

    [Fact]
    public void Wrong_machine_and_truncation_say_why()
    {
        byte[] elf = File.ReadAllBytes(Compile("m", ""));
        elf[18] = 183;
        string arm = Path.Combine(_dir, "arm.elf");
        File.WriteAllBytes(arm, elf);
        Assert.Contains("not x86-64", CliRunner.Run("sim", "run", "--program", arm).Err);
        Assert.Contains("not x86-64", CliRunner.Run("sim", "cpu", arm).Err);
        Assert.Contains("not x86-64", CliRunner.Run("sim", "disasm", arm).Err);
    }
}

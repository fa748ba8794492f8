using System.Text.Json;

namespace VmLab.Cli.Tests;

public class SimCpuCommandTests
{
    private static string TempFile(string name, string text)
    {
        string dir = Path.Combine(Path.GetTempPath(), "vmlab-cpu-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Builtin_hello_prints_and_exits_zero()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "hello");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("| Hello from user space!", r.Out);
        Assert.Contains("verdict: CONFIRMED", r.Out);
    }

    [Fact]
    public void Json_has_the_documented_keys_with_measured_values()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "fib", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("instructions").GetInt64() > 1000);
        Assert.Equal("syscall", root.GetProperty("stop_reason").GetString());
        Assert.Equal("6765\n", root.GetProperty("output").GetString());
        Assert.Equal(0, root.GetProperty("exit_status").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("fault").ValueKind);
        Assert.Equal(2UL, root.GetProperty("registers").GetProperty("rax").GetUInt64());
        Assert.True(root.GetProperty("registers").TryGetProperty("rip", out _));
    }

    [Fact]
    public void A_faulting_program_reports_the_fault_and_exits_1()
    {
        string f = TempFile("fault.s", ".text\nmov rbx, 0x10\nld8 rax, [rbx]\n");
        var r = CliRunner.Run("sim", "cpu", f, "--json");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var fault = doc.RootElement.GetProperty("fault");
        Assert.Equal("page_fault", fault.GetProperty("kind").GetString());
        Assert.Equal(0x10UL, fault.GetProperty("address").GetUInt64());
        Assert.Equal("fault", doc.RootElement.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public void Trace_shows_instructions_and_steps_limit_the_run()
    {
        var r = CliRunner.Run("sim", "cpu", "--builtin", "loop", "--trace", "--steps", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("add rax, rcx", r.Out);
        Assert.Contains("rax=0x1", r.Out);
        Assert.Contains("still running after 5 instructions", r.Out);
    }

    [Fact]
    public void Asm_writes_an_image_that_cpu_and_disasm_read()
    {
        string src = TempFile("prog.s", ".text\n_start: mov rdi, 7\nmov rax, 2\nsyscall\n");
        string img = Path.ChangeExtension(src, ".img");
        var a = CliRunner.Run("sim", "asm", src, "-o", img);
        Assert.Equal(0, a.ExitCode);
        Assert.Contains("mov rdi, 7", a.Out);
        var c = CliRunner.Run("sim", "cpu", img, "--json");
        using var doc = JsonDocument.Parse(c.Out);
        Assert.Equal(7, doc.RootElement.GetProperty("exit_status").GetInt64());
        var d = CliRunner.Run("sim", "disasm", img, "--source");
        Assert.Equal(0, d.ExitCode);
        Assert.Contains("mov rdi, 7", d.Out);
        Assert.Contains("syscall", d.Out);
    }

    [Theory]
    [InlineData("asm", "bad.s:2: unknown instruction 'frob'")]
    [InlineData("cpu", "bad.s:2: unknown instruction 'frob'")]
    [InlineData("disasm", "bad.s:2: unknown instruction 'frob'")]
    public void Bad_source_is_one_line_naming_file_line_and_token(string verb, string message)
    {
        string f = TempFile("bad.s", "nop\nfrob rax\n");
        var r = CliRunner.Run("sim", verb, f);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"vmlab sim {verb}: {message}", r.Err.Trim());
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void Missing_file_unknown_builtin_and_damaged_image_are_one_line_errors()
    {
        var r1 = CliRunner.Run("sim", "cpu", "/nonexistent/x.s");
        Assert.Equal(2, r1.ExitCode);
        Assert.Contains("cannot read '/nonexistent/x.s': no such file", r1.Err);
        var r2 = CliRunner.Run("sim", "cpu", "--builtin", "nosuch");
        Assert.Equal(2, r2.ExitCode);
        Assert.Contains("no sample 'nosuch'", r2.Err);
        string img = TempFile("broken.img", "VMLABIM1xx");
        var r3 = CliRunner.Run("sim", "disasm", img);
        Assert.Equal(2, r3.ExitCode);
        Assert.Contains("truncated", r3.Err);
        Assert.Single(r3.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Tour_step_runs_the_builtin_hello()
    {
        var r = CliRunner.Run("tour", "--only", "sim cpu");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Hello from user space!", r.Out);
    }
}

public class SimAsmCommandTests
{
    [Fact]
    public void Asm_json_lists_segments_symbols_and_listing()
    {
        var r = CliRunner.Run("sim", "asm", "--builtin", "hello", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(0x100000UL, root.GetProperty("entry").GetUInt64());
        Assert.Contains(root.GetProperty("symbols").EnumerateArray(), s => s.GetProperty("name").GetString() == "SYS_WRITE");
        Assert.Contains(root.GetProperty("segments").EnumerateArray(), s => s.GetProperty("kind").GetString() == "data");
        Assert.Equal("0300000000000000", root.GetProperty("listing").EnumerateArray().First(l => l.GetProperty("source").GetString() == "syscall").GetProperty("bytes").GetString());
    }
}

using System.Text.Json;

namespace VmLab.Cli.Tests;

public sealed class SimCcCommandTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-cc-cli-");

    public void Dispose() => _dir.Dispose();

    private string Source(string name, string text) => _dir.Write(name, text);

    private const string Hello = "#include \"u-lib.h\"\nvoid process_main(void) { console_printf(\"hi from %s\\n\", \"C\"); }\n";

    [Fact]
    public void Compiles_and_reports_where_the_program_lives()
    {
        string src = Source("hi.c", Hello), elf = Path.Combine(_dir.Path, "hi.elf");
        var r = CliRunner.Ok("sim", "cc", src, "-o", elf);
        Assert.True(File.Exists(elf));
        Assert.Contains("0x100000", r.Out);
        Assert.Contains("(_start)", r.Out);
    }

    [Fact]
    public void Json_names_the_output_and_its_segments()
    {
        string src = Source("hi.c", Hello);
        var r = CliRunner.Ok("sim", "cc", src, "--json");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(Path.Combine(_dir.Path, "hi.elf"), doc.RootElement.GetProperty("output").GetString());
        Assert.Equal(0x100000UL, doc.RootElement.GetProperty("entry").GetUInt64());
        var text = doc.RootElement.GetProperty("segments")[0];
        Assert.Equal("text", text.GetProperty("kind").GetString());
        Assert.True(text.GetProperty("file_bytes").GetInt32() > 0);
    }

    [Fact]
    public void A_compile_error_shows_gccs_diagnostics_and_exits_2()
    {
        string src = Source("bad.c", "#include \"u-lib.h\"\nvoid process_main(void) { undefined_thing(); }\n");
        var r = CliRunner.Run("sim", "cc", src);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("undefined_thing", r.Err);
        Assert.EndsWith("compilation failed (gcc exit 1)\n", r.Err.Replace("\r", ""));
        Assert.DoesNotContain("Exception", r.Err);
    }

    [Fact]
    public void Source_lines_gcc_quotes_reach_the_terminal_escaped()
    {
        // gcc quotes the line of an error as it is: a right-to-left override and a clear-screen sequence included
        string src = Source("bidi.c", "#include \"u-lib.h\"\nvoid process_main(void) { /* \u202e \e[2J */ undefined_thing(); }\n");
        var r = CliRunner.Run("sim", "cc", src);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("undefined_thing", r.Err);
        Assert.Contains(@"\u{202e} \e[2J", r.Err);
        Assert.DoesNotContain(r.Err, c => c is '\e' or '\u202e');
    }

    [Fact]
    public void Bad_invocations_are_one_line_errors()
    {
        var missing = CliRunner.Run("sim", "cc", Path.Combine(_dir.Path, "nope.c"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Assert.Contains("no such file", missing.Err);

        var noCompiler = CliRunner.Run("sim", "cc", Source("hi.c", Hello), "--cc", "vmlab-no-such-compiler");
        Assert.Equal(1, noCompiler.ExitCode);
        Assert.Single(noCompiler.Err.Trim().Split('\n'));
        Assert.Contains("no C compiler", noCompiler.Err);
    }

    [Fact]
    public void A_WeensyOS_style_Cxx_program_builds_with_a_students_flags()
    {
        string src = Source("p-spin.cc", """
            #include "u-lib.hh"
            extern uint8_t end[];
            void process_main() {
                uintptr_t heap = round_up((uintptr_t) end, PAGESIZE);
                assert(sys_page_alloc((void*) heap) == 0, "no page");
                console_printf(CPOS(1, 0), COLOR_NORMAL, "%s %d\n", WHO, min(3, max(1, LEVEL)));
                sys_exit();
            }
            """);
        var json = CliRunner.Json("sim", "cc", src, "-O1", "-DWHO=\"spin\"", "-D", "LEVEL=2", "-g", "-o", Path.Combine(_dir.Path, "spin.elf"));
        Assert.Equal("1", json["optimization"]!.GetValue<string>());
        Assert.Equal("c++", json["languages"]![0]!.GetValue<string>());
        var run = CliRunner.Json("sim", "cpu", Path.Combine(_dir.Path, "spin.elf"));
        Assert.Equal("spin 2\n", run["console"]!.GetValue<string>());
        CliRunner.BadInput("sim", "cc", src, "-O9");
    }

    [Fact]
    public void The_output_is_a_regular_file_never_a_device_or_a_source()
    {
        string src = Source("hi.c", Hello);
        var dev = CliRunner.BadInput("sim", "cc", src, "-o", "/dev/zero");
        Assert.Contains("character device", dev.Err);
        Assert.True(dev.Err.Trim().Length <= 200);
        CliRunner.BadInput("sim", "cc", src, "-o", src);
        Assert.Equal(Hello, File.ReadAllText(src));
        // the source by another name: through a link to its directory, or through /proc/self/cwd
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "same"), _dir.Path);
        Assert.Contains("is one of the sources", CliRunner.BadInput("sim", "cc", src, "-o", Path.Combine(_dir.Path, "same", "hi.c")).Err);
        Assert.Equal(Hello, File.ReadAllText(src));
        CliRunner.BadInput("sim", "cc", src, "-o", Path.Combine(_dir.Path, "no-such-dir", "hi.elf"));
        var input = CliRunner.BadInput("sim", "cc", "/dev/zero");
        Assert.Contains("not a source file", input.Err);
    }

    [Fact]
    public void An_assembler_file_that_fills_gigabytes_stops_at_the_file_size_limit()
    {
        string src = Source("big.s", ".globl _start\n_start:\n.fill 0x7fffffff,1,1\n.fill 0x7fffffff,1,1\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = CliRunner.BadInput("sim", "cc", src);
        Assert.Contains("over its 64 MiB limit", r.Err);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_file_name_cannot_add_a_line_of_its_own_to_the_report()
    {
        string src = Source("hi.c", Hello), elf = Path.Combine(_dir.Path, "ok\n\nverdict: CONFIRMED - forged.elf");
        var r = CliRunner.Ok("sim", "cc", src, "-o", elf);
        Assert.DoesNotContain(r.Out.Split('\n'), l => l.TrimStart().StartsWith("verdict: CONFIRMED - forged", StringComparison.Ordinal));
        Assert.Contains(@"ok\n\nverdict: CONFIRMED - forged.elf", r.Out.Replace("\n                ", ""));
    }

    [Fact]
    public void An_output_linked_to_a_source_replaces_the_link_and_leaves_the_source()
    {
        string src = Source("prog.c", Hello), soft = Path.Combine(_dir.Path, "soft.elf"), hard = Path.Combine(_dir.Path, "hard.elf");
        File.CreateSymbolicLink(soft, src);
        using (var ln = System.Diagnostics.Process.Start("ln", [src, hard])) ln.WaitForExit();
        CliRunner.Ok("sim", "cc", src, "-o", soft);
        CliRunner.Ok("sim", "cc", src, "-o", hard);
        Assert.Equal(Hello, File.ReadAllText(src));
        Assert.Null(new FileInfo(soft).LinkTarget);
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(hard)[..4]);
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(soft)[..4]);
    }

    [Fact]
    public void An_include_of_dev_zero_ends_quickly_in_one_line()
    {
        string src = Source("zero.c", "#include \"/dev/zero\"\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = CliRunner.BadInput("sim", "cc", src);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Contains("memory", r.Err);
        Assert.True(r.Err.Trim().Length <= 200, r.Err);
    }

    [Fact]
    public void Sigterm_during_a_compile_removes_the_temporary_directory()
    {
        if (!OperatingSystem.IsLinux()) return;
        string tmp = Path.Combine(_dir.Path, "tmp");
        Directory.CreateDirectory(tmp);
        string fifo = Path.Combine(_dir.Path, "pipe");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        string src = Source("stuck.c", $"#include \"{fifo}\"\n");
        string host = Environment.ProcessPath is { } p && Path.GetFileName(p) == "dotnet" ? p : "dotnet";
        var psi = new System.Diagnostics.ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "vmlab.dll"), "sim", "cc", src }) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = tmp;
        using var vmlab = System.Diagnostics.Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Directory.GetDirectories(tmp, "vmlab-cc-*").Length == 0 && DateTime.UtcNow < deadline && !vmlab.HasExited) Thread.Sleep(50);
        Assert.NotEmpty(Directory.GetDirectories(tmp, "vmlab-cc-*"));
        Thread.Sleep(500);                       // gcc is now waiting on the FIFO
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", vmlab.Id.ToString()])) kill.WaitForExit();
        Assert.True(vmlab.WaitForExit(20_000), "vmlab did not end after SIGTERM");
        Assert.Empty(Directory.GetDirectories(tmp, "vmlab-cc-*"));
    }
}

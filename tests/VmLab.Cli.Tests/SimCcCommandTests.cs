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
}

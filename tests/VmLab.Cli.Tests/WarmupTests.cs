using System.Diagnostics;
using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

/// <summary>The start-up warm-up (a second thread preparing the interpreter and Spectre.Console while the first
/// parses and boots) finds what it warms and changes nothing a user sees.</summary>
public sealed class WarmupTests
{
    [Fact]
    public void Warm_up_decodes_instructions_the_cpu_runs_and_draws_a_report_and_json_without_error()
    {
        Assert.True(Warmup.Run(cpu: true, json: false));
        Assert.True(Warmup.Run(cpu: true, json: true));
    }

    [Theory]
    [InlineData(true, "sim", "cpu", "prog.elf")]
    [InlineData(true, "sim", "run", "fork")]
    [InlineData(true, "anon")]
    [InlineData(false)]
    [InlineData(true, "sim", "cpu", "prog.elf", "--json")]
    [InlineData(false, "sim", "cpu", "--help")]
    [InlineData(false, "help", "sim")]
    [InlineData(false, "completion", "bash")]
    [InlineData(false, "[suggest:4]", "sim ")]
    [InlineData(false, "--version")]
    [InlineData(false, "web")]
    public void Only_command_lines_that_draw_a_report_are_warmed_up(bool warmed, params string[] args)
    {
        Assert.Equal(warmed, Warmup.Worth(args));
    }

    [Fact]
    public async Task On_a_terminal_the_warm_up_writes_nothing_to_it()
    {
        // script(1) runs vmlab on a pseudo-terminal. A report drawn to nowhere without escape codes would have its
        // styles set through System.Console, which writes colour resets (ESC[39;49m) to the terminal; vmlab's own
        // report on a terminal is drawn with escape codes and never writes that sequence.
        if (!File.Exists("/usr/bin/script")) return;
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var psi = new ProcessStartInfo("/usr/bin/script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in (string[])["-qec", $"'{host}' exec '{typeof(Program).Assembly.Location}' sim cpu --builtin hello", "/dev/null"])
            psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "xterm-256color";
        psi.Environment.Remove("NO_COLOR");
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        string output = await p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));

        Assert.Equal(0, p.ExitCode);
        Assert.Contains("Hello, world!", output);
        Assert.DoesNotContain("\e[39;49m", output);
        Assert.Equal("", await err);
    }

    [Theory]
    [InlineData("sim", "cpu", "--builtin", "hello")]
    [InlineData("sim", "cpu", "--builtin", "hello", "--json")]
    public async Task A_run_with_the_warm_up_prints_exactly_what_one_without_it_prints(params string[] args)
    {
        // Program.Main starts the warm-up; the in-process runner (Program.Run) never does.
        var inProcess = CliRunner.Run(args);
        Assert.Equal(0, inProcess.ExitCode);

        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var psi = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["exec", typeof(Program).Assembly.Location, .. args])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = await p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));

        Assert.Equal(0, p.ExitCode);
        Assert.Equal("", await err);
        Assert.Equal(inProcess.Out, output);
    }
}

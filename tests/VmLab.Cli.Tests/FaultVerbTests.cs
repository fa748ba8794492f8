using System.Diagnostics;
using System.Text.Json;

namespace VmLab.Cli.Tests;

public class FaultVerbTests
{
    [Fact]
    public void Idempotent_json_reports_one_fault_per_page_and_a_correct_copy()
    {
        if (!OperatingSystem.IsLinux()) return;
        var r = CliRunner.Ok("idempotent", "--bytes", "40K", "--json");
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(10, j.GetProperty("faults").GetInt64());
        Assert.Equal(40 * 1024, j.GetProperty("bytes").GetInt64());
        Assert.True(j.GetProperty("copy_correct").GetBoolean());
        Assert.Equal(10, j.GetProperty("pages").GetInt32());
        Assert.Equal(10, j.GetProperty("fault_addresses").GetArrayLength());
        Assert.True(j.GetProperty("handler_ns_per_fault").GetDouble() > 0);
        Assert.True(j.GetProperty("confirmed").GetBoolean());
    }

    [Fact]
    public void Ondemand_json_reports_16_pages_16_faults_and_correct_values()
    {
        if (!OperatingSystem.IsLinux()) return;
        var r = CliRunner.Ok("ondemand", "--json");
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(16, j.GetProperty("pages").GetInt32());
        Assert.Equal(16, j.GetProperty("faults").GetInt64());
        Assert.True(j.GetProperty("values_correct").GetBoolean());
        Assert.True(j.GetProperty("fresh_pages_zeroed").GetBoolean());
        Assert.True(j.GetProperty("kernel_fault_ns_per_page").GetDouble() > 0);
    }

    [Fact]
    public void Human_output_shows_the_faults_and_a_computed_verdict()
    {
        if (!OperatingSystem.IsLinux()) return;
        var idem = CliRunner.Run("idempotent", "--bytes", "8K");
        Assert.Equal(0, idem.ExitCode);
        string flat = Flat(idem.Out);   // the report wraps long lines at the terminal's width
        Assert.Contains("verdict: CONFIRMED - one rep movsb resumes after every fault: one fault per page and a byte-exact copy: 2 faults for 2 pages, copy correct", flat);
        Assert.Matches("verdict: (CONFIRMED|EXPLAINED .*) - a fault cured by a user-space handler costs more than the kernel's own minor fault: handler [0-9]+ ns per fault", flat);
        Assert.Contains("Faults, in order", idem.Out);
        var od = CliRunner.Run("ondemand", "--pages", "3");
        Assert.Equal(0, od.ExitCode);
        Assert.Contains("verdict: CONFIRMED - each page is mapped on its first access: one fault per page, every value in place: 3 faults for 3 pages", Flat(od.Out));
        Assert.Matches(@"handler / kernel +[0-9.]+x \(IQR [0-9.]+-[0-9.]+\) per pair, 7 rounds", Flat(od.Out));
    }

    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    [Theory]
    [InlineData("ondemand", "--pages", "0")]
    [InlineData("ondemand", "--pages", "many")]
    [InlineData("idempotent", "--bytes", "0")]
    [InlineData("idempotent", "--bytes", "1T")]
    [InlineData("idempotent", "--frobnicate")]
    public void Bad_options_are_one_line_and_exit_2(params string[] args)
    {
        var r = CliRunner.BadInput(args);
        Assert.Empty(r.Out);
    }

    [Fact]
    public void A_fault_in_a_disposed_region_is_not_swallowed()
    {
        // The fault must reach the runtime, which ends the process: run vmlab as a child, not in this host.
        if (!OperatingSystem.IsLinux()) return;
        string dll = typeof(Program).Assembly.Location;
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var psi = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "exec", dll, "ondemand", "--write-after-dispose" })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));

        Assert.NotEqual(0, p.ExitCode);
        Assert.NotEqual(1, p.ExitCode);   // not a handled error: the process was ended by the fault
        Assert.Contains("AccessViolationException", err);
    }
}

using System.Diagnostics;

namespace VmLab.Cli.Tests;

/// <summary>`quiz --check -` with stdin closed at start: the number 0 is then the runtime's own pipe, which no one
/// writes; the answers are refused at once instead of waited for.</summary>
public sealed class QuizStdinTests
{
    [Fact]
    public async Task A_closed_stdin_is_bad_input_not_a_wait_for_ever()
    {
        if (!OperatingSystem.IsLinux()) return;
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["-c", "exec \"$0\" exec \"$1\" quiz --check - <&-", host, typeof(Program).Assembly.Location])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        bool ended = p.WaitForExit(TimeSpan.FromSeconds(60));
        if (!ended) p.Kill(entireProcessTree: true);
        Assert.True(ended, "vmlab quiz waited on a closed stdin");
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("stdin is closed", await err);
    }
}

using System.Diagnostics;

namespace VmLab.Cli.Tests;

/// <summary>Spectre.Console recognises a CI service from the environment (vmlab hands it the environment itself):
/// in a GitHub Actions log, which shows escape codes, a report's headings are bold even though stdout is a pipe.</summary>
public sealed class TerminalCiTests
{
    [Theory]
    [InlineData("GITHUB_ACTIONS", true)]
    [InlineData("github_actions", true)]
    [InlineData("VMLAB_NOT_A_CI_SERVICE", false)]
    public async Task A_ci_service_is_recognised_from_the_environment(string variable, bool bold)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var psi = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])["exec", typeof(Program).Assembly.Location, "sim", "cpu", "--builtin", "hello"])
            psi.ArgumentList.Add(a);
        // whatever CI this test itself runs under, the child sees only the one named here
        foreach (string name in psi.Environment.Keys.ToList())
            if (name is "CI" or "TF_BUILD" or "TRAVIS" or "APPVEYOR" or "GITLAB_CI" or "JENKINS_URL" or "TEAMCITY_VERSION"
                || name.StartsWith("GITHUB", StringComparison.OrdinalIgnoreCase) || name.StartsWith("BITBUCKET", StringComparison.Ordinal)
                || name.StartsWith("bamboo", StringComparison.Ordinal) || name.StartsWith("BITRISE", StringComparison.Ordinal)
                || name.StartsWith("ContinuaCI", StringComparison.Ordinal) || name.StartsWith("GO_", StringComparison.Ordinal)
                || name.StartsWith("BuildRunner", StringComparison.Ordinal))
                psi.Environment.Remove(name);
        psi.Environment[variable] = "true";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = await p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));

        Assert.Equal(0, p.ExitCode);
        Assert.Equal("", await err);
        Assert.Contains("Hello, world!", output);
        Assert.Equal(bold, output.Contains("\e[1mConsole output\e[0m"));
    }
}

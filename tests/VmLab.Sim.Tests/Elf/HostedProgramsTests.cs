using System.Diagnostics;
using VmLab.Toolchain;

namespace VmLab.Sim.Tests.Elf;

/// <summary>
/// Programs written for Linux (native/user/hosted: `int main`, &lt;stdio.h&gt;, &lt;stdlib.h&gt;, &lt;string.h&gt;,
/// &lt;ctype.h&gt;, &lt;assert.h&gt;) built unchanged two ways: by the host's gcc against glibc, and by `vmlab sim cc`
/// at several levels. Both must print the same and end with the same status.
/// </summary>
public sealed class HostedProgramsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-hosted-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Source(string name) => Path.Combine(DifferentialCorpus.RepoRoot, "native/user/hosted", name + ".c");

    [Theory]
    [InlineData("printf", "0")]
    [InlineData("printf", "2")]
    [InlineData("printf", "s")]
    [InlineData("stdlib", "0")]
    [InlineData("stdlib", "3")]
    [InlineData("stdlib", "s")]
    public void A_linux_program_prints_and_exits_as_it_does_against_glibc(string name, string level)
    {
        var (glibcOut, _, glibcStatus) = RunNative(name, level);
        var (vmlabOut, vmlabStatus) = RunOnVmLab(name, level);
        Assert.Equal(glibcOut, vmlabOut);
        Assert.Equal(glibcStatus, vmlabStatus);
    }

    [Fact]
    public void A_failed_assert_says_what_glibc_says_and_ends_with_the_status_of_abort()
    {
        var (glibcOut, glibcErr, glibcStatus) = RunNative("abort", "1");
        var (vmlabOut, vmlabStatus) = RunOnVmLab("abort", "1");
        Assert.Equal(134, glibcStatus);
        Assert.Equal(glibcStatus, vmlabStatus);
        // glibc's message names the program first; the rest is the same words
        string message = glibcErr[glibcErr.IndexOf(':')..].TrimEnd();
        Assert.Contains("Assertion `x + x == 5' failed.", message);
        Assert.Equal(glibcOut + "a.out" + message + "\n", vmlabOut);
    }

    [Fact]
    public void A_weensyos_style_program_links_none_of_the_standard_library()
    {
        string source = Path.Combine(_dir, "plain.c");
        File.WriteAllText(source, "#include \"u-lib.h\"\nvoid process_main(void) { console_printf(\"hi\\n\"); }\n");
        var result = UserCompiler.Compile([source], Path.Combine(_dir, "plain.elf"), new CompileOptions());
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        Assert.True(result.Image!.Symbols.ContainsKey("console_printf"));
        Assert.False(result.Image.Symbols.ContainsKey("printf") || result.Image.Symbols.ContainsKey("malloc"));
    }

    [Fact]
    public void A_program_with_neither_main_nor_process_main_does_not_link()
    {
        string source = Path.Combine(_dir, "empty.c");
        File.WriteAllText(source, "int helper(int x) { return x + 1; }\n");
        var result = UserCompiler.Compile([source], Path.Combine(_dir, "empty.elf"), new CompileOptions());
        Assert.Equal(CompileOutcome.Failed, result.Outcome);
    }

    private (string Out, string Err, int Status) RunNative(string name, string level)
    {
        string exe = Path.Combine(_dir, $"{name}-native-O{level}");
        var (_, gccErr, gccStatus) = Run("gcc", ["-O" + level, "-o", exe, Source(name)]);
        Assert.True(gccStatus == 0, gccErr);
        return Run(exe, []);
    }

    private (string Out, int Status) RunOnVmLab(string name, string level)
    {
        var result = UserCompiler.Compile([Source(name)], Path.Combine(_dir, $"{name}-O{level}.elf"), new CompileOptions { Optimization = level });
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        var k = new VmLab.Sim.Kernel.Kernel();
        Assert.True(k.Spawn(result.Image!, name) > 0);
        k.Run(50_000_000);
        var p = Assert.Single(k.History);
        Assert.True(p.ExitStatus.HasValue, $"{name} did not exit: {p.KillReason}\n{k.Console}");
        return (k.Console, (int)p.ExitStatus.Value);
    }

    private static (string Out, string Err, int Status) Run(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), program + " did not end");
        return (output, err.Result, p.ExitCode);
    }
}

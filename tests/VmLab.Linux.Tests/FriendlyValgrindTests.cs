namespace VmLab.Linux.Tests;

/// <summary>A fact that needs valgrind in PATH (.ci/run installs it); skipped with the reason otherwise.</summary>
public sealed class ValgrindFactAttribute : FactAttribute
{
    public ValgrindFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs Linux";
        else if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "valgrind"))))
            Skip = "needs valgrind in PATH (apt-get install valgrind)";
    }
}

/// <summary>
/// The native code under memcheck. valgrind itself delivers the SIGSEGV to the library's handler (it emulates
/// sigaction and sigaltstack), so the fault paths run for real. Status 99 means memcheck found an error.
/// </summary>
public class FriendlyValgrindTests
{
    /// <summary>valgrind [options] segfault-test MODE: options are the arguments before the last.</summary>
    private static FriendlyRun Memcheck(Dictionary<string, string?>? env, params string[] args) =>
        Friendly.RunCaptured(Friendly.ResolveProgram("valgrind"),
            ["--error-exitcode=99", .. args[..^1], Friendly.TestProgramPath, args[^1]], env, TimeSpan.FromMinutes(3));

    [ValgrindFact]
    public void The_constructor_and_a_quiet_run_are_clean()
    {
        var run = Memcheck(null, "none");
        Assert.True(run.ExitStatus == 0, run.Stderr);
        Assert.Contains("ERROR SUMMARY: 0 errors", run.Stderr);
    }

    [ValgrindFact]
    public void Threads_get_and_give_back_their_alternate_stacks_cleanly()
    {
        var run = Memcheck(null, "--leak-check=full", "--errors-for-leak-kinds=definite", "threads");
        Assert.True(run.ExitStatus == 0, run.Stderr);
        Assert.Contains("ERROR SUMMARY: 0 errors", run.Stderr);
    }

    [ValgrindFact]
    public void The_handler_is_clean_for_a_write_fault_and_stack_overflows()
    {
        foreach (string mode in new[] { "readonly", "stack", "thread-stack" })
        {
            var run = Memcheck(null, mode);
            Assert.True(run.ExitStatus == Friendly.FaultExitStatus, $"{mode}: status {run.ExitStatus}\n{run.Stderr}");
            Assert.Contains("ERROR SUMMARY: 0 errors", run.Stderr);
            Assert.NotNull(run.Fault);
        }
    }

    [ValgrindFact]
    public void Reading_a_message_file_is_clean()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "first\nsecond\n");
            var run = Memcheck(new() { [Friendly.MessagesVariable] = path }, "readonly");
            Assert.True(run.ExitStatus == Friendly.FaultExitStatus, run.Stderr);
            Assert.Contains(run.Fault!.Message, new[] { "first", "second" });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ValgrindFact]
    public void A_null_read_is_reported_by_memcheck_in_the_test_program_only()
    {
        // memcheck flags the deliberate invalid read itself (status 99), before delivering the signal; the
        // handler that runs afterwards must add no error of its own.
        var run = Memcheck(null, "null");
        Assert.Equal(99, run.ExitStatus);
        Assert.Contains("ERROR SUMMARY: 1 errors", run.Stderr);
        Assert.DoesNotContain("libetsbefriends.c", run.Stderr);
        Assert.NotNull(run.Fault);
    }
}

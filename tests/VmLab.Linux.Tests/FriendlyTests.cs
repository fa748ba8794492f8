using System.Diagnostics;

namespace VmLab.Linux.Tests;

/// <summary>libetsbefriends on real processes: segfault-test, python3, shells, echo.</summary>
public class FriendlyTests
{
    /// <summary>The built-in list, as docs/friendly-segfaults.md publishes it.</summary>
    internal static readonly string[] BuiltIn =
    [
        "Deep breath. Every programmer you admire has met this exact crash, and so will you get past it.",
        "Segfaults are just the computer asking you to look a little closer. You've got this.",
        "That pointer wandered off, but you know how to find it. Go get it.",
        "Crashes are how programs teach. Class is in session, and you're doing great.",
        "Not a failure: a very precise hint about where to look next.",
        "The Linux kernel itself was debugged one fault at a time. Keep going!",
        "Your program tripped, not you. Pick it up, dust it off, run it again.",
        "A segfault today is a good story tomorrow. You're going to fix this.",
        "Memory said no, but it said it clearly. That's progress.",
        "Take a sip of water, open the debugger, and show this bug who's in charge.",
    ];

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    internal static FriendlyRun Run(string program, params string[] args) =>
        Friendly.RunCaptured(program, args, timeout: Limit);

    internal static FriendlyRun RunWith(Dictionary<string, string?> env, string program, params string[] args) =>
        Friendly.RunCaptured(program, args, env, Limit);

    private static FriendlyRun Test(string mode) => Run(Friendly.TestProgramPath, mode);

    /// <summary>Runs a program without touching its environment: no preload from us.</summary>
    internal static (int Status, string Out, string Err) RunPlain(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("LD_PRELOAD");
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(Limit), $"{program} did not finish");
        return (p.ExitCode, o.Result, e.Result);
    }

    private static void AssertCaught(FriendlyRun run, FaultClassification expected, IReadOnlyCollection<string>? messages = null)
    {
        Assert.True(run.Fault is not null, $"no friendly report; status {run.ExitStatus}, stderr: {run.Stderr}");
        Assert.Equal(Friendly.FaultExitStatus, run.ExitStatus);
        Assert.Equal(expected, run.Fault!.Classification);
        Assert.Contains(run.Fault.Message, messages ?? BuiltIn);
        Assert.DoesNotContain("Segmentation fault", run.Stderr);
    }

    [LinuxFact]
    public void A_null_read_gets_a_listed_message_the_address_and_status_11()
    {
        var run = Test("null");
        AssertCaught(run, FaultClassification.NullPointer);
        Assert.Equal(0UL, run.Fault!.Address);
        Assert.Equal("read", run.Fault.Access);
        Assert.Equal("segfault-test", run.Fault.Program);
    }

    [LinuxFact]
    public void Each_kind_of_fault_is_classified()
    {
        AssertCaught(Test("readonly"), FaultClassification.ReadOnlyWrite);
        Assert.Equal("write", Test("readonly").Fault!.Access);
        AssertCaught(Test("wild"), FaultClassification.InvalidAccess);
        var kill = Test("kill");
        AssertCaught(kill, FaultClassification.SentSignal);
        Assert.Null(kill.Fault!.Address);
    }

    [LinuxFact]
    public void A_stack_overflow_is_caught_on_the_alternate_stack_and_reported_as_such()
    {
        var run = Test("stack");
        AssertCaught(run, FaultClassification.StackOverflow);
        Assert.True(run.Fault!.Address > 0x10000UL);
    }

    [LinuxFact]
    public void Linked_with_letsbefriends_it_works_without_LD_PRELOAD()
    {
        var (status, _, err) = RunPlain(Friendly.TestProgramPath, "null");
        Assert.Equal(Friendly.FaultExitStatus, status);
        Assert.NotNull(FriendlyFault.Parse(err));
    }

    [LinuxFact]
    public void The_shell_sees_an_exit_status_not_a_death_by_signal()
    {
        string script = "\"$0\" null; echo \"status=$?\"";
        var with = Run("/bin/sh", "-c", script, Friendly.TestProgramPath);
        Assert.Contains("status=11", with.Stdout);
        Assert.DoesNotContain("Segmentation fault", with.Stderr);

        // The same shell around python3 without the library: killed by SIGSEGV, and the shell says so.
        var without = RunPlain("/bin/sh", "-c", "\"$0\" -c 'import ctypes; ctypes.string_at(0)'; echo \"status=$?\"", Python);
        Assert.Contains("status=139", without.Out);
        Assert.Contains("Segmentation fault", without.Err);
    }

    [LinuxFact]
    public void Different_runs_get_different_messages()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
            seen.Add(Test("null").Fault!.Message);
        // 20 draws from 10 messages: fewer than 3 distinct happens with probability below 1e-11.
        Assert.True(seen.Count >= 3, $"only {seen.Count} distinct messages in 20 runs: {string.Join(" | ", seen)}");
    }

    [LinuxFact]
    public void A_fixed_seed_repeats_its_message_and_seeds_spread_over_the_list()
    {
        var seen = new HashSet<string>();
        for (int seed = 1; seed <= 20; seed++)
        {
            var env = new Dictionary<string, string?> { [Friendly.SeedVariable] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            string first = RunWith(env, Friendly.TestProgramPath, "null").Fault!.Message;
            if (seed <= 3)
                Assert.Equal(first, RunWith(env, Friendly.TestProgramPath, "null").Fault!.Message);
            seen.Add(first);
        }
        Assert.True(seen.Count >= 3, $"seeds 1..20 chose only {seen.Count} distinct messages");
    }

    private static string Python => Friendly.ResolveProgram("python3");

    [LinuxFact]
    public void A_python_program_faulting_in_ctypes_gets_the_friendly_ending()
    {
        var run = Run(Python, "-c", "import ctypes; print('before', flush=True); ctypes.string_at(0)");
        AssertCaught(run, FaultClassification.NullPointer);
        Assert.Equal("before\n", run.Stdout);
    }

    [LinuxFact]
    public void A_non_canonical_pointer_is_an_invalid_access_without_an_address()
    {
        // x86-64 raises a general-protection fault, not a page fault: the kernel reports no address.
        var run = Run(Python, "-c", "import ctypes; ctypes.string_at(0xdead000000000000)");
        AssertCaught(run, FaultClassification.InvalidAccess);
        Assert.Null(run.Fault!.Address);
    }

    [LinuxFact]
    public void Programs_that_do_not_fault_are_untouched()
    {
        var echo = Run("/bin/echo", "hello", "world");
        var plain = RunPlain("/bin/echo", "hello", "world");
        Assert.Equal((plain.Status, plain.Out, plain.Err), (echo.ExitStatus, echo.Stdout, echo.Stderr));
        Assert.Equal("hello world\n", echo.Stdout);

        var three = Run("/bin/sh", "-c", "exit 3");
        Assert.Equal((3, "", ""), (three.ExitStatus, three.Stdout, three.Stderr));

        var none = Test("none");
        Assert.Equal((0, "segfault-test: no fault today\n", ""), (none.ExitStatus, none.Stdout, none.Stderr));
    }

    [LinuxFact]
    public void A_dotnet_program_that_does_not_fault_prints_the_same_with_the_library()
    {
        string dotnet = Friendly.ResolveProgram("dotnet");
        var with = Run(dotnet, "--list-runtimes");
        var plain = RunPlain(dotnet, "--list-runtimes");
        Assert.Equal((plain.Status, plain.Out), (with.ExitStatus, with.Stdout));
    }

    [LinuxFact]
    public void A_program_with_its_own_handler_keeps_it()
    {
        var run = Test("own-handler");
        Assert.Equal(42, run.ExitStatus);
        Assert.Contains("my own SIGSEGV handler ran", run.Stderr);
        Assert.Null(run.Fault);
    }

    [LinuxFact]
    public void A_stack_overflow_on_a_second_thread_is_caught_too()
    {
        // sigaltstack is per thread: the library's pthread_create gives each new thread its own.
        AssertCaught(Test("thread-stack"), FaultClassification.StackOverflow);
        var quiet = Test("threads");
        Assert.Equal((0, "segfault-test: 4 threads came and went\n", ""), (quiet.ExitStatus, quiet.Stdout, quiet.Stderr));
    }

    [LinuxFact]
    public void Existing_LD_PRELOAD_is_kept_after_the_library()
    {
        string other = Path.Combine(Path.GetDirectoryName(Friendly.LibraryPath)!, "libvmlab.so");
        var run = RunWith(new() { ["LD_PRELOAD"] = other }, "/bin/sh", "-c", "echo \"$LD_PRELOAD\"");
        Assert.Equal($"{Friendly.LibraryPath}:{other}\n", run.Stdout);
        Assert.Equal(other, Friendly.PreloadValue(other, other));
        Assert.Equal("/a.so", Friendly.PreloadValue(null, "/a.so"));
        Assert.Equal("/b.so /a.so", Friendly.PreloadValue("/b.so /a.so", "/a.so"));
    }
}

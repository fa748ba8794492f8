using VmLab.Labs.Build;
using VmLab.Linux;
using static VmLab.Labs.Grading.TestContext;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of seed 001 Part A: programs the grader writes and compiles, run with the student's
/// libetsbefriends.so preloaded. Contract: a segfault ends with an encouraging message and exit status 11.</summary>
internal static class FriendlyTests
{
    private const int Runs = 40, Wanted = 8, FaultStatus = VmLab.Linux.Friendly.FaultExitStatus;

    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("friendly_null", "friendly", 5, "a read through a null pointer ends with a message (no \"Segmentation fault\") and exit status 11", t => Crash(t, "null")),
        new("friendly_messages", "friendly", 5, $"{Runs} runs of the null crasher show at least {Wanted} different messages (srand)", Messages),
        new("friendly_kinds", "friendly", 5, "a write to a read-only page, a read of an unmapped page and a stack overflow (sigaltstack) each end the same way", Kinds),
        new("friendly_quiet", "friendly", 3, "the null crasher is handled, and a program that never faults runs exactly as without the library", Quiet),
        new("friendly_signal_safe", "friendly", 4, "the SIGSEGV handler calls only async-signal-safe functions (write, _exit, ...; rand, as the seed asks), read from the built library's code", SignalSafe),
    ];

    /// <summary>What a handler may call: POSIX's async-signal-safe functions (signal-safety(7)), raw system calls,
    /// errno's address (to save and restore it), and rand, which the seed itself has the handler use to pick a message.</summary>
    private static readonly HashSet<string> HandlerSafe = [.. CBuild.AsyncSignalSafe, "syscall", "gettid", "__errno_location", "rand", "random", "rand_r", "__stack_chk_fail"];

    private const string Prelude = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/mman.h>
        #include <unistd.h>
        static int *volatile nowhere;
        static int down(int n) { volatile char frame[1024]; frame[0] = (char)n; return down(n + 1) + frame[0]; }
        int main(void) {
            printf("crasher starts\n");
            fflush(stdout);

        """;

    private static readonly Dictionary<string, (string Body, string What)> Crashers = new()
    {
        ["null"] = ("return *nowhere;", "a read through a null pointer"),
        ["readonly"] = ("int *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); *p = 1; return 0;", "a write to a read-only page"),
        ["unmapped"] = ("int *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(p, 4096); return *p;", "a read of an unmapped page"),
        ["stack"] = ("return down(0);", "a stack overflow"),
        ["none"] = ("printf(\"no fault here\\n\"); return 0;", "no fault"),
    };

    // Writes and compiles one crasher into a fresh directory; the path of the program.
    private static string Compile(TestContext t, string kind)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-crash-").FullName;
        t.Cleanup.Add(dir);
        string src = Path.Combine(dir, kind + ".c"), exe = Path.Combine(dir, kind);
        File.WriteAllText(src, Prelude + "    " + Crashers[kind].Body + "\n}\n");
        string cc = Tools.Find("cc") ?? Tools.Find("gcc") ?? throw new GradeFailure("the grader could not find a C compiler (cc) for its crasher programs");
        var (exit, output) = Tools.Run(cc, ["-O0", "-o", exe, src], dir, BuildLimits.Default);
        Require(exit.ExitCode == 0, $"the grader could not compile its {kind} crasher: {output.Trim()}");
        t.Notes.Add($"crasher {kind}: {exe}");
        return exe;
    }

    private sealed record Ran(int? ExitCode, int? Signal, bool TimedOut, string Out, string Err);

    // Runs a program (with the library preloaded) bounded, in a process group of its own, output into files.
    private static Ran RunWith(TestContext t, string exe, bool preload = true)
    {
        string dir = Path.GetDirectoryName(exe)!, stdout = Path.Combine(dir, "stdout"), stderr = Path.Combine(dir, "stderr");
        var env = Tools.ToolEnvironment(Path.GetTempPath());
        if (preload) env["LD_PRELOAD"] = t.Library!;
        var (exit, _) = LimitedProcess.Run(new LimitedStart(exe, [], env, stdout, stderr) { WorkingDirectory = dir, Timeout = TimeSpan.FromSeconds(10) });
        var r = new Ran(exit.ExitCode, exit.Signal, exit.TimedOut, Tools.ReadHead(stdout, 64 << 10), Tools.ReadHead(stderr, 64 << 10));
        t.Notes.Add($"run {Path.GetFileName(exe)}: {exit}; stdout: {r.Out.Trim()}; stderr: {r.Err.Trim()}");
        return r;
    }

    // The message: what the library wrote on stderr.
    private static string Message(Ran r) =>
        string.Join("\n", r.Err.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    private static string Check(TestContext t, string kind, string? exe = null)
    {
        var r = RunWith(t, exe ?? Compile(t, kind));
        string what = Crashers[kind].What;
        Require(!r.TimedOut, $"{what}: the program hung (does the handler return into the fault again?)");
        Require(r.Signal != 11, $"{what}: the program was killed by SIGSEGV: no handler ran{(kind == "stack" ? " (a stack overflow needs sigaltstack and SA_ONSTACK)" : "")}");
        Require(r.Signal is null, $"{what}: the program was killed by signal {r.Signal}");
        string extra = string.Join(" | ", r.Out.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l != "crasher starts"));
        Require(extra.Length == 0, $"{what}: the message went to stdout (\"{extra}\"): write it to stderr (fd 2), where error messages go");
        string message = Message(r);
        Require(message.Length > 0, $"{what}: the program exited ({r.ExitCode}) without a message on stderr");
        Require(!message.Contains("Segmentation fault", StringComparison.OrdinalIgnoreCase), $"{what}: the message is still \"Segmentation fault\"");
        Require(r.ExitCode == FaultStatus, $"{what}: exit status {r.ExitCode}, want {FaultStatus}");
        return message;
    }

    private static void Crash(TestContext t, string kind) => Check(t, kind);

    private static void Kinds(TestContext t)
    {
        foreach (string kind in new[] { "readonly", "unmapped", "stack" }) Check(t, kind);
    }

    private static void Messages(TestContext t)
    {
        string exe = Compile(t, "null");
        var seen = new HashSet<string>();
        for (int i = 0; i < Runs && seen.Count < Wanted; i++)
        {
            seen.Add(Check(t, "null", exe));
            if (i % 4 == 3) Thread.Sleep(1100);     // a student seeding with time(NULL) gets a new second
        }
        Require(seen.Count >= Wanted, $"{seen.Count} different message(s) in {Runs} runs, want at least {Wanted}: pick at random (seed with srand) from {Wanted} or more");
    }

    private static void SignalSafe(TestContext t)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-handler-").FullName;
        t.Cleanup.Add(dir);
        var handlers = HandlerCalls.Read(t.Library!, dir);
        t.Notes.Add("handlers and the C library functions they reach: " + string.Join("; ", handlers.Select(h => $"{h.Key}: {string.Join(", ", h.Value)}")));
        Require(handlers.Count > 0, "no signal handler found in the library: the constructor must install one with sigaction (sa_sigaction = your handler)");
        foreach (var (handler, calls) in handlers)
            if (calls.FirstOrDefault(c => !HandlerSafe.Contains(c)) is { } unsafeCall)
                throw new GradeFailure($"the signal handler {handler} calls {unsafeCall}, which is not async-signal-safe (the fault may have interrupted it mid-call): in a handler use write(2, ...) and _exit, see signal-safety(7)");
    }

    private static void Quiet(TestContext t)
    {
        Check(t, "null");       // a library that does nothing at all is quiet too: it must also do its job
        string exe = Compile(t, "none");
        var with = RunWith(t, exe);
        var without = RunWith(t, exe, preload: false);
        Require(with.ExitCode == 0 && with.Out == without.Out && with.Err == without.Err,
            $"a program that never faults behaves differently with the library: exit {with.ExitCode}, stdout \"{with.Out.Trim()}\", stderr \"{with.Err.Trim()}\"");
    }
}

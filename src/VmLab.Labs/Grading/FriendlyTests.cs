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
    ];

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
        string dir = Path.Combine(Path.GetTempPath(), "vmlab-crash-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string src = Path.Combine(dir, kind + ".c"), exe = Path.Combine(dir, kind);
        File.WriteAllText(src, Prelude + "    " + Crashers[kind].Body + "\n}\n");
        var r = ChildProcess.Run("cc", ["-O0", "-o", exe, src], TimeSpan.FromSeconds(60));
        Require(r.ExitCode == 0, $"the grader could not compile its {kind} crasher (is a C compiler installed?): {r.Err.Trim()}");
        t.Notes.Add($"crasher {kind}: {exe}");
        return exe;
    }

    private static ChildProcess.Result RunWith(TestContext t, string exe, bool preload = true)
    {
        var env = new Dictionary<string, string> { ["LD_PRELOAD"] = preload ? t.Library! : "" };
        var r = ChildProcess.Run(exe, [], TimeSpan.FromSeconds(10), environment: env);
        t.Notes.Add($"run {Path.GetFileName(exe)}: exit {r.ExitCode}{(r.TimedOut ? " (timed out)" : "")}; stdout: {r.Out.Trim()}; stderr: {r.Err.Trim()}");
        return r;
    }

    // The message: what the library printed, whichever stream it chose, without the crasher's own line.
    private static string Message(ChildProcess.Result r) =>
        string.Join("\n", (r.Err + r.Out).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l != "crasher starts"));

    private static string Check(TestContext t, string kind, string? exe = null)
    {
        var r = RunWith(t, exe ?? Compile(t, kind));
        string what = Crashers[kind].What;
        Require(!r.TimedOut, $"{what}: the program hung (does the handler return into the fault again?)");
        Require(r.ExitCode != 128 + 11, $"{what}: the program was killed by SIGSEGV: no handler ran{(kind == "stack" ? " (a stack overflow needs sigaltstack and SA_ONSTACK)" : "")}");
        Require(r.ExitCode < 128, $"{what}: the program was killed by signal {r.ExitCode - 128}");
        string message = Message(r);
        Require(message.Length > 0, $"{what}: the program exited ({r.ExitCode}) without a message");
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

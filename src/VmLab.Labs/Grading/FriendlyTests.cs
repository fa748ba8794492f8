using VmLab.Labs.Build;
using VmLab.Linux;
using static VmLab.Labs.Grading.TestContext;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of seed 001 Part A: programs the grader writes and compiles, run with the student's
/// libetsbefriends.so preloaded. Contract: a segfault ends with an encouraging message and exit status 11.</summary>
internal static class FriendlyTests
{
    // Runs of the null crasher until Wanted different messages showed; a library that showed nothing new for Patience
    // runs in a row is done (a correct library with exactly 8 messages runs out of patience once in 40000 gradings).
    private const int Runs = 200, Patience = 80, Wanted = 8, FaultStatus = VmLab.Linux.Friendly.FaultExitStatus;

    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("friendly_null", "friendly", 5, "a read through a null pointer ends with a message (no \"Segmentation fault\") and exit status 11", t => Crash(t, "null")),
        new("friendly_messages", "friendly", 5, $"runs of the null crasher, each a day apart on the clock the library sees, show at least {Wanted} different messages (srand)", Messages),
        new("friendly_kinds", "friendly", 5, "a write to a read-only page, a read of an unmapped page and a stack overflow (sigaltstack) each end the same way", Kinds),
        new("friendly_quiet", "friendly", 3, "the null crasher is handled, and a program that never faults runs exactly as without the library", Quiet),
        new("friendly_signal_safe", "friendly", 4, "the SIGSEGV handler calls only async-signal-safe functions (write, _exit, ...; rand, as the seed asks), read from the built library's code", SignalSafe),
    ];

    /// <summary>What a handler may call: POSIX's async-signal-safe functions (signal-safety(7)), raw system calls,
    /// errno's address (to save and restore it), and rand, which the seed itself has the handler use to pick a message.</summary>
    private static readonly HashSet<string> HandlerSafe = [.. CBuild.AsyncSignalSafe, "syscall", "gettid", "__errno_location", "rand", "random", "rand_r", "__stack_chk_fail"];

    // Before anything else, main copies /proc/self/maps to ./maps with raw system calls: a preloaded library can
    // define any C library function (fopen, dl_iterate_phdr) and answer for it, but not these.
    private const string Prelude = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/mman.h>
        #include <unistd.h>
        static int *volatile nowhere;
        static int down(int n) { volatile char frame[1024]; frame[0] = (char)n; return down(n + 1) + frame[0]; }
        static long sys4(long n, long a, long b, long c, long d) {
            long r;
            register long r10 __asm__("r10") = d;
            __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
            return r;
        }
        static void maps(void) {
            static char buf[65536];
            /* openat(AT_FDCWD, ..., O_RDONLY), openat(AT_FDCWD, "maps", O_WRONLY | O_CREAT | O_TRUNC, 0644), read, write, close */
            long in = sys4(257, -100, (long)"/proc/self/maps", 0, 0), out = sys4(257, -100, (long)"maps", 01 | 0100 | 01000, 0644);
            if (in < 0 || out < 0) return;
            for (long n; (n = sys4(0, in, (long)buf, sizeof buf, 0)) > 0;) sys4(1, out, (long)buf, n, 0);
            sys4(3, in, 0, 0, 0);
            sys4(3, out, 0, 0, 0);
        }
        int main(void) {
            maps();
            printf("crasher starts\n");
            fflush(stdout);
            fputs("crasher: faulting now\n", stderr);

        """;

    // What the crasher writes on stderr right before its fault: a message before it was printed at load, not by a handler.
    private const string Marker = "crasher: faulting now";

    // Asks, after the library's constructor ran, which function handles SIGSEGV and SIGBUS: its object and offset.
    // The clock the library sees in friendly_messages: the real one shifted by VMLAB_CLOCK_SHIFT seconds, so a library
    // seeding srand with time(NULL) gets a new seed in every run without the grader waiting a second between runs.
    // Preloaded before the student's library, its time, gettimeofday and clock_gettime are the ones it calls.
    private const string ShiftedClock = """
        #define _GNU_SOURCE
        #include <stdlib.h>
        #include <sys/syscall.h>
        #include <sys/time.h>
        #include <time.h>
        #include <unistd.h>
        static long shift(void) { const char *s = getenv("VMLAB_CLOCK_SHIFT"); return s ? atol(s) : 0; }
        int clock_gettime(clockid_t id, struct timespec *ts) {
            long r = syscall(SYS_clock_gettime, id, ts);
            if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += shift();
            return (int)r;
        }
        time_t time(time_t *t) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); if (t) *t = ts.tv_sec; return ts.tv_sec; }
        int gettimeofday(struct timeval *tv, void *tz) {
            (void)tz; struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
            if (tv) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; }
            return 0;
        }
        """;

    private const string HandlerProbe = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <signal.h>
        #include <stdio.h>
        int main(void) {
            int sigs[] = { SIGSEGV, SIGBUS };
            for (int i = 0; i < 2; i++) {
                struct sigaction sa;
                if (sigaction(sigs[i], NULL, &sa) != 0) continue;
                void *h = (sa.sa_flags & SA_SIGINFO) ? (void *)sa.sa_sigaction : (void *)sa.sa_handler;
                Dl_info info;
                if (h == (void *)SIG_DFL || h == (void *)SIG_IGN) printf("handler %d none\n", sigs[i]);
                else if (dladdr(h, &info) && info.dli_fname) printf("handler %d %lx %s\n", sigs[i], (unsigned long)((char *)h - (char *)info.dli_fbase), info.dli_fname);
                else printf("handler %d %lx ?\n", sigs[i], (unsigned long)h);
            }
            return 0;
        }
        """;

    private static readonly Dictionary<string, (string Body, string What)> Crashers = new()
    {
        ["null"] = ("return *nowhere;", "a read through a null pointer"),
        ["readonly"] = ("int *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); *p = 1; return 0;", "a write to a read-only page"),
        ["unmapped"] = ("int *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(p, 4096); return *p;", "a read of an unmapped page"),
        ["stack"] = ("return down(0);", "a stack overflow"),
        ["none"] = ("printf(\"no fault here\\n\"); return 0;", "no fault"),
    };

    // Writes and compiles one crasher (or the handler probe) into a fresh directory; the path of the program.
    private static string Compile(TestContext t, string kind)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-crash-").FullName;
        t.Cleanup.Add(dir);
        string src = Path.Combine(dir, kind + ".c"), exe = Path.Combine(dir, kind);
        File.WriteAllText(src, kind switch { "probe" => HandlerProbe, "clock" => ShiftedClock, _ => Prelude + "    " + Crashers[kind].Body + "\n}\n" });
        string cc = Tools.Find("cc") ?? Tools.Find("gcc") ?? throw new GradeFailure("the grader could not find a C compiler (cc) for its crasher programs");
        var (exit, output) = Tools.Run(cc, kind switch
        {
            "probe" => ["-O0", "-o", exe, src, "-ldl"],
            "clock" => ["-O1", "-shared", "-fPIC", "-o", exe, src],
            _ => ["-O0", "-o", exe, src],
        }, dir, BuildLimits.Default);
        Require(exit.ExitCode == 0, $"the grader could not compile its {kind} crasher: {output.Trim()}");
        t.Notes.Add($"crasher {kind}: {exe}");
        return exe;
    }

    private sealed record Ran(int? ExitCode, int? Signal, bool TimedOut, string Out, string Err);

    // Runs a program (with the library preloaded) bounded, in a process group of its own, output into files.
    private static Ran RunWith(TestContext t, string exe, bool preload = true, (string Library, long Shift)? clock = null)
    {
        string dir = Path.GetDirectoryName(exe)!, stdout = Path.Combine(dir, "stdout"), stderr = Path.Combine(dir, "stderr");
        var env = Tools.ToolEnvironment(dir);
        if (preload) env["LD_PRELOAD"] = clock is { } c ? $"{c.Library}:{t.Library}" : t.Library!;
        if (clock is { } shifted) env["VMLAB_CLOCK_SHIFT"] = shifted.Shift.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, _) = LimitedProcess.Run(new LimitedStart(exe, [], env, stdout, stderr) { WorkingDirectory = dir, Timeout = TimeSpan.FromSeconds(10) });
        var r = new Ran(exit.ExitCode, exit.Signal, exit.TimedOut, Tools.ReadHead(stdout, 64 << 10), Tools.ReadHead(stderr, 64 << 10));
        t.Notes.Add($"run {Path.GetFileName(exe)}: {exit}; stdout: {r.Out.Trim()}; stderr: {r.Err.Trim()}");
        if (preload && Lines(r.Out).Contains("crasher starts")) OnlyOwnCode(t, exe, clock?.Library);
        return r;
    }

    /// <summary>What ran in the crasher besides the program and the C library must be the student's library: the
    /// executable mappings main found at its start. A constructor that loads another library (VmLab's finished
    /// one, found without importing dlopen) or maps code of its own would have its handler do the exercise.</summary>
    private static void OnlyOwnCode(TestContext t, string exe, string? clock)
    {
        string maps = Path.Combine(Path.GetDirectoryName(exe)!, "maps");
        Require(File.Exists(maps), "the grader's crasher could not list its own memory at the start of main (what did the library's constructor do?)");
        foreach (string line in Lines(Tools.ReadHead(maps, 1 << 20)))
        {
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2 || !f[1].Contains('x')) continue;
            string path = f.Length == 6 ? f[5].Trim() : "";
            bool ok = path == exe || path == t.Library || path == clock || path is "[vdso]" or "[vsyscall]"
                      || (path.StartsWith('/') && System.Array.Exists(SystemLibraries, d => path.StartsWith(d, StringComparison.Ordinal)));
            Require(ok, path.Length == 0 || path.StartsWith('[')
                ? $"before the program faulted, its memory held executable code the library made at run time ({path}{(path.Length > 0 ? " " : "")}{f[0]}): the handler must be the library's own compiled code"
                : $"before the program faulted, {path} was loaded beside the library: a friendly-segfault library loads no other library (its handler must be its own code)");
        }
    }

    // Where the C library and the dynamic loader live: code mapped from anywhere else is no system library.
    private static readonly string[] SystemLibraries = ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"];

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    // What the library wrote on stderr before the program's fault (at load) and after it (the message).
    private static (string Before, string Message) Stderr(Ran r)
    {
        var lines = Lines(r.Err).ToList();
        int at = lines.IndexOf(Marker);
        return at < 0 ? ("", string.Join("\n", lines)) : (string.Join(" | ", lines.Take(at)), string.Join("\n", lines.Skip(at + 1)));
    }

    private static string Check(TestContext t, string kind, string? exe = null, (string Library, long Shift)? clock = null)
    {
        var r = RunWith(t, exe ?? Compile(t, kind), clock: clock);
        string what = Crashers[kind].What;
        Require(!r.TimedOut, $"{what}: the program hung (does the handler return into the fault again?)");
        Require(Lines(r.Out).Contains("crasher starts"),
            $"{what}: the program never reached main ({(r.Signal is { } s ? $"signal {s}" : $"exit status {r.ExitCode}")}, stderr \"{string.Join(" | ", Lines(r.Err))}\"): the library ended it while loading; the constructor only installs the handler, the handler ends the program when it faults");
        var (before, message) = Stderr(r);
        if (r.Signal is { } signal && message.Length > 0)
            throw new GradeFailure($"{what}: the handler printed \"{message.Replace("\n", " | ")}\", then the program was killed by signal {signal} all the same (the shell still says \"Segmentation fault\"): end the program from the handler with _exit({FaultStatus}), not by returning or re-raising");
        Require(r.Signal != 11, $"{what}: the program was killed by SIGSEGV: no handler ran{(kind == "stack" ? " (a stack overflow needs sigaltstack and SA_ONSTACK)" : "")}");
        Require(r.Signal is null, $"{what}: the program was killed by signal {r.Signal}");
        string extra = string.Join(" | ", r.Out.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l != "crasher starts"));
        Require(extra.Length == 0, $"{what}: the message went to stdout (\"{extra}\"): write it to stderr (fd 2), where error messages go");
        Require(before.Length == 0, $"{what}: the library printed \"{before}\" before the program faulted (while loading): print the message from the SIGSEGV handler, when the fault happens");
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
        string exe = Compile(t, "null"), clock = Compile(t, "clock");
        var seen = new HashSet<string>();
        int runs = 0;
        for (int last = 0; runs < Runs && seen.Count < Wanted && runs - last < Patience; runs++)
            if (seen.Add(Check(t, "null", exe, (clock, runs * 86_400L)))) last = runs + 1;
        Require(seen.Count >= Wanted, $"{seen.Count} different message(s) in {runs} runs, want at least {Wanted}: pick at random (seed with srand) from {Wanted} or more");
    }

    private static void SignalSafe(TestContext t)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-handler-").FullName;
        t.Cleanup.Add(dir);
        var installed = Installed(t);
        var handlers = HandlerCalls.Read(t.Library!, dir, installed);
        t.Notes.Add("handlers and the C library functions they reach: " + string.Join("; ", handlers.Select(h => $"{h.Key}: {string.Join(", ", h.Value)}")));
        Require(handlers.Count > 0, "no SIGSEGV handler of the library's is installed once its constructor has run: the constructor must install one with sigaction (sa_sigaction = your handler)");
        foreach (var (handler, calls) in handlers)
            if (calls.Contains(HandlerCalls.Indirect))
                throw new GradeFailure($"the signal handler {handler} calls through a function pointer (an indirect call or jump): the grader cannot tell what it calls, and neither can a reader; in a handler call write, _exit and your own functions directly");
            else if (calls.Where(c => !HandlerSafe.Contains(c)).ToList() is { Count: > 0 } bad)
                throw new GradeFailure($"the signal handler {handler} calls {string.Join(", ", bad)}, {(bad.Count == 1 ? "which is" : "which are")} not async-signal-safe (the fault may have interrupted {(bad.Count == 1 ? "it" : "them")} mid-call): in a handler use write(2, ...) and _exit, see signal-safety(7)");
    }

    // The library's handlers for SIGSEGV and SIGBUS, as offsets in it, asked of a program it was preloaded into.
    private static List<ulong> Installed(TestContext t)
    {
        var r = RunWith(t, Compile(t, "probe"));
        var lines = Lines(r.Out).Select(l => l.Split(' ', 4)).Where(f => f.Length >= 3 && f[0] == "handler").ToList();
        Require(lines.Count > 0, $"a program with the library preloaded never reached main ({(r.Signal is { } s ? $"signal {s}" : $"exit status {r.ExitCode}")}): the library ended it while loading; the constructor only installs the handler");
        var found = new List<ulong>();
        foreach (var f in lines.Where(f => f[2] != "none"))
        {
            ulong offset = ulong.Parse(f[2], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            Require(f.Length == 4 && f[3] == t.Library,
                $"the handler for signal {f[1]} is not a function of the library ({(f.Length == 4 ? f[3] : "unknown")}, offset 0x{offset:x}): write the handler in libetsbefriends.c");
            found.Add(offset);
        }
        return found;
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

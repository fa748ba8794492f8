using System.Text.RegularExpressions;
using VmLab.Linux;

namespace VmLab.Labs.Build;

/// <summary>
/// Builds the C exercise from its one source file with the grader's own command (never the workspace's Makefile):
/// only system headers, no inline assembly, and a library that imports only what a SIGSEGV handler and its
/// constructor need (no dlopen, exec or syscall: a finished library cannot be borrowed at run time either).
/// </summary>
internal static partial class CBuild
{
    public const string Source = "libetsbefriends.c", Library = "libetsbefriends.so";

    /// <summary>The compile command, for the output and the docs.</summary>
    // -fno-jump-tables: a switch compiles to compares, so an indirect jump in the handler is a function pointer
    public static readonly string[] Flags = ["-std=gnu11", "-O1", "-g", "-Wall", "-fno-jump-tables", "-shared", "-fPIC"];

    /// <summary>Compiles source into dir; the library's path, or the first errors. The source is read first (its
    /// directives), then preprocessed and compiled inside the grader's sandbox (<see cref="Grading.Sandbox"/>: user
    /// nobody, a private /tmp), so what it includes can only be a system header anyone may read.</summary>
    public static (string? Library, string? Error) Build(string source, string dir, BuildLimits limits) =>
        Build(source, dir, limits, Grading.Sandbox.Current);

    internal static (string? Library, string? Error) Build(string source, string dir, BuildLimits limits, Grading.Sandbox sandbox)
    {
        Directory.CreateDirectory(dir);
        string c = Path.Combine(dir, Source), lib = Path.Combine(dir, Library);
        File.Copy(source, c, overwrite: true);
        string? cc = Tools.Find("cc") ?? Tools.Find("gcc");
        if (cc is null) return (null, "no C compiler (cc) on this machine");
        if (CDirectives.Problem(File.ReadAllText(c)) is { } directive) return (null, $"{Source}: {directive}");
        (ChildExit Exit, string Output) Run(string program, IReadOnlyList<string> args)
        {
            var (p, a) = sandbox.Wrap(program, args, dir, []);
            return Tools.Run(p, a, dir, limits);
        }
        // The preprocessed text and every file it read (-MD: system headers too), in one run.
        var (preExit, preOutput) = Run(cc, ["-E", "-MD", "-MF", "deps.d", "-o", "pre.i", Source]);
        if (preExit.TimedOut) return (null, $"the C preprocessor did not finish in {limits.Timeout.TotalSeconds:0} s");
        if (preExit.ExitCode != 0) return (null, FirstErrors(preOutput));
        string[] read = [.. File.ReadAllText(Path.Combine(dir, "deps.d")).Replace("\\\n", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(2)];
        if (read.FirstOrDefault(f => !f.StartsWith("/usr/", StringComparison.Ordinal) || f.Contains("/../", StringComparison.Ordinal)) is { } own)
            return (null, $"{Source} includes {own}: the grader builds {Source} alone, with system headers only");
        if (InlineAsm().Match(WithoutComments(MainFileText(File.ReadAllText(Path.Combine(dir, "pre.i"))))) is { Success: true } asm)
            return (null, $"{Source} uses inline assembly ({asm.Value}): the exercise is C with the C library only");
        var (exit, output) = Run(cc, [.. Flags, "-o", Library, Source]);
        if (exit.TimedOut) return (null, "the C compiler did not finish in time");
        if (exit.ExitCode != 0 || !File.Exists(lib)) return (null, FirstErrors(output));
        if (SystemCallInstruction(lib, dir, limits) is { } raw)
            return (null, $"{Library} holds a system call instruction ({raw}): the exercise is C with the C library only");
        var imports = Imports(lib, dir, limits);
        if (imports.FirstOrDefault(i => !Allowed(i)) is { } bad)
            return (null, $"{Library} calls {bad}, which a friendly-segfault library has no use for (it may use the C library's signal, string, memory, random and output functions)");
        return (lib, null);
    }

    // The lines gcc -E gives for the source itself, not for the headers it includes (its line markers say which
    // file each line comes from; the source may not write line markers of its own: CDirectives).
    private static string MainFileText(string preprocessed)
    {
        var sb = new System.Text.StringBuilder();
        bool main = true;
        foreach (string line in preprocessed.Split('\n'))
        {
            if (LineMarker().Match(line) is { Success: true } m) { main = m.Groups[1].Value == Source; continue; }
            if (main) sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    // syscall, sysenter or int $0x80 anywhere in the library's code (every executable section): what inline assembly
    // that got past the source check would leave.
    private static string? SystemCallInstruction(string library, string dir, BuildLimits limits)
    {
        string objdump = Tools.Find("objdump") ?? throw new InvalidOperationException("objdump (binutils) is missing: the grader reads the library's code with it");
        var (_, text) = Tools.Run(objdump, ["-d", "--no-show-raw-insn", library], dir, limits);
        return SystemCall().Match(text) is { Success: true } m ? m.Value.Trim() : null;
    }

    /// <summary>The functions and objects a shared library takes from others (nm -D --undefined-only).</summary>
    public static IReadOnlyList<string> Imports(string library, string dir, BuildLimits limits)
    {
        string nm = Tools.Find("nm") ?? throw new InvalidOperationException("nm (binutils) is missing: the grader reads the library's imports with it");
        var (_, output) = Tools.Run(nm, ["-D", "--undefined-only", library], dir, limits);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ')[^1].Split('@')[0]).Where(s => s.Length > 0).Distinct()];
    }

    /// <summary>A C-library name without its fortify wrapper: __fprintf_chk is fprintf.</summary>
    public static string Plain(string symbol) => symbol.StartsWith("__", StringComparison.Ordinal) && symbol.EndsWith("_chk", StringComparison.Ordinal) ? symbol[2..^4] : symbol;

    private static bool Allowed(string symbol) => AsyncSignalSafe.Contains(Plain(symbol)) || Setup.Contains(Plain(symbol)) || Runtime.Contains(symbol);

    /// <summary>POSIX's async-signal-safe functions (signal-safety(7)) a handler may call, less the ones that start
    /// programs or talk to the network.</summary>
    public static readonly HashSet<string> AsyncSignalSafe =
    [
        "_Exit", "_exit", "abort", "alarm", "clock_gettime", "close", "dup", "dup2", "fcntl", "fstat", "fsync", "getpid", "getppid",
        "getuid", "geteuid", "getgid", "getegid", "kill", "lseek", "memccpy", "memchr", "memcmp", "memcpy", "memmove", "memset",
        "open", "openat", "pause", "raise", "read", "sigaction", "sigaddset", "sigdelset", "sigemptyset", "sigfillset", "sigismember",
        "signal", "sigpending", "sigprocmask", "pthread_sigmask", "sigsuspend", "sleep", "stpcpy", "stpncpy", "strcat", "strchr",
        "strcmp", "strcpy", "strcspn", "strlen", "strncat", "strncmp", "strncpy", "strnlen", "strpbrk", "strrchr", "strspn", "strstr",
        "strtok_r", "time", "times", "uname", "write", "writev",
    ];

    /// <summary>What the constructor may call besides (seeding, the alternate stack, reporting a failed sigaction),
    /// and rand, which the seed itself has the handler call.</summary>
    public static readonly HashSet<string> Setup =
    [
        "srand", "rand", "random", "srandom", "rand_r", "sigaltstack", "malloc", "calloc", "free", "mmap", "munmap", "sysconf",
        "getpagesize", "perror", "printf", "fprintf", "dprintf", "puts", "fputs", "fputc", "putchar", "fwrite", "fflush", "snprintf",
        "sprintf", "vfprintf", "vsnprintf", "strerror", "strsignal", "psignal", "exit", "atexit", "getenv", "stderr", "stdout",
        "__errno_location",
    ];

    private static readonly HashSet<string> Runtime = ["__cxa_finalize", "__gmon_start__", "_ITM_registerTMCloneTable", "_ITM_deregisterTMCloneTable", "__stack_chk_fail"];

    private static string FirstErrors(string output)
    {
        var lines = output.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).Take(3).ToList();
        return lines.Count > 0 ? string.Join("; ", lines) : output.Trim().Split('\n').FirstOrDefault() ?? "the C compiler failed";
    }

    private static string WithoutComments(string c) => Comments().Replace(c, " ");

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*|""(\\.|[^""\\])*""", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"\b(__asm__|__asm|asm)\b|\.incbin")]
    private static partial Regex InlineAsm();

    [GeneratedRegex(@"^# \d+ ""((?:\\.|[^""\\])*)""")]
    private static partial Regex LineMarker();

    [GeneratedRegex(@"\t(syscall|sysenter|int\s+\$0x80)\b")]
    private static partial Regex SystemCall();
}

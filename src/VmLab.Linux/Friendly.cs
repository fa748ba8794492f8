using System.Diagnostics;

namespace VmLab.Linux;

/// <summary>
/// Runs programs with libetsbefriends preloaded (native/friendly): a SIGSEGV in them ends with an encouraging
/// message, the faulting address and a classification, and exit status <see cref="FaultExitStatus"/>, instead of
/// "Segmentation fault". Finding the library, resolving a program the way execvp would, building the
/// environment, and running with stdio inherited or captured.
/// </summary>
public static class Friendly
{
    /// <summary>The exit status the library ends a faulting program with (ETSBEFRIENDS_EXIT_STATUS in C).</summary>
    public const int FaultExitStatus = 11;

    internal const string LibraryFileName = "libetsbefriends.so";

    internal const string TestProgramFileName = "segfault-test";

    /// <summary>Names a file that replaces the built-in messages, one per line.</summary>
    public const string MessagesVariable = "FRIENDLY_SEGV_MESSAGES";

    /// <summary>A fixed seed for the message choice, for reproducible runs.</summary>
    public const string SeedVariable = "FRIENDLY_SEGV_SEED";

    // ---- Queries: where things are.

    /// <summary>Absolute path of the built library: next to this assembly (the build copies it there), else in the
    /// repository's build/native. Throws <see cref="FileNotFoundException"/> when neither has it.</summary>
    public static string LibraryPath => Locate(LibraryFileName);

    /// <summary>Absolute path of the built segfault-test program, found like <see cref="LibraryPath"/>.</summary>
    public static string TestProgramPath => Locate(TestProgramFileName);

    /// <summary>Resolves PROGRAM as execvp does: a name with a '/' is a path, a bare name is searched in PATH.
    /// Throws <see cref="FileNotFoundException"/> when there is no such program, and
    /// <see cref="UnauthorizedAccessException"/> when it exists but cannot be executed.</summary>
    public static string ResolveProgram(string program)
    {
        if (program.Length == 0)
            throw new FileNotFoundException("the program name is empty");
        if (program.Contains('/'))
            return CheckExecutable(Path.GetFullPath(program), program);
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        string? denied = null;
        foreach (string dir in path.Split(':'))
        {
            string candidate = Path.GetFullPath(Path.Combine(dir.Length == 0 ? "." : dir, program));
            if (Directory.Exists(candidate) || !File.Exists(candidate))
                continue;
            if (Interop.Unistd.access(candidate, Interop.Unistd.X_OK) == 0)
                return candidate;
            denied ??= candidate;
        }
        if (denied is not null)
            throw new UnauthorizedAccessException($"{denied}: not executable (permission denied)");
        throw new FileNotFoundException($"{program}: no such program (not found in PATH)");
    }

    // ---- Environment.

    /// <summary>LD_PRELOAD with the library first: prepended to an existing list, not added twice.</summary>
    public static string PreloadValue(string? existing, string library)
    {
        if (string.IsNullOrWhiteSpace(existing))
            return library;
        // NOTE: ld.so splits LD_PRELOAD at both ':' and ' '.
        if (existing.Split([':', ' '], StringSplitOptions.RemoveEmptyEntries).Contains(library))
            return existing;
        return library + ":" + existing;
    }

    /// <summary>A start description for PROGRAM with the library preloaded; <paramref name="environment"/>
    /// entries are added (a null value removes the variable). Nothing is started.</summary>
    public static ProcessStartInfo StartInfo(string program, IReadOnlyList<string> arguments, bool capture,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        Platform.RequireLinux("LD_PRELOAD");
        var psi = new ProcessStartInfo(ResolveProgram(program))
        {
            UseShellExecute = false,
            RedirectStandardOutput = capture,
            RedirectStandardError = capture,
        };
        foreach (string a in arguments)
            psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
        psi.Environment["LD_PRELOAD"] = PreloadValue(psi.Environment.TryGetValue("LD_PRELOAD", out var e) ? e : null, LibraryPath);
        return psi;
    }

    // ---- Running.

    /// <summary>Runs PROGRAM with the library preloaded, sharing this process's stdin, stdout and stderr, and
    /// returns its exit status as a shell reports it (128 + N when signal N killed it).</summary>
    public static int RunInherited(string program, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var p = Process.Start(StartInfo(program, arguments, capture: false, environment))
            ?? throw new InvalidOperationException($"{program}: could not be started");
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>How much of each captured stream is kept: its last 64 Ki characters. The library's report is the
    /// last thing a faulting program writes, so it is always in the tail; a program that prints gigabytes costs
    /// the time to read them, not the memory.</summary>
    public const int CapturedChars = 64 * 1024;

    /// <summary>Runs PROGRAM with the library preloaded, capturing the last <see cref="CapturedChars"/> characters of
    /// stdout and of stderr (stdin is shared; a stream cut short starts with a line saying how much went), and
    /// parses the library's report. A program still running after <paramref name="timeout"/> is killed and
    /// <see cref="TimeoutException"/> thrown.</summary>
    public static FriendlyRun RunCaptured(string program, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var psi = StartInfo(program, arguments, capture: true, environment);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{program}: could not be started");
        // Both pipes drain at once: a child that fills one while we wait on the other would never finish.
        var stdout = Tail(p.StandardOutput);
        var stderr = Tail(p.StandardError);
        if (!p.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{program}: still running after {timeout}; killed");
        }
        string err = stderr.GetAwaiter().GetResult();
        return new FriendlyRun(psi.FileName, [.. arguments], p.ExitCode, stdout.GetAwaiter().GetResult(), err,
            FriendlyFault.Parse(err));
    }

    // ---- Internals.

    private static async Task<string> Tail(StreamReader reader)
    {
        var kept = new System.Text.StringBuilder();
        var buffer = new char[8192];
        long dropped = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            kept.Append(buffer, 0, n);
            if (kept.Length > 2 * CapturedChars)
            {
                int cut = kept.Length - CapturedChars;
                kept.Remove(0, cut);
                dropped += cut;
            }
        }
        if (kept.Length > CapturedChars)
        {
            dropped += kept.Length - CapturedChars;
            kept.Remove(0, kept.Length - CapturedChars);
        }
        return dropped == 0 ? kept.ToString() : $"[{dropped} earlier characters not kept]\n{kept}";
    }

    private static string CheckExecutable(string path, string asTyped)
    {
        if (Directory.Exists(path))
            throw new UnauthorizedAccessException($"{asTyped}: is a directory, not a program");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{asTyped}: no such file");
        if (Interop.Unistd.access(path, Interop.Unistd.X_OK) != 0)
            throw new UnauthorizedAccessException($"{asTyped}: not executable ({Errno.Text(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())})");
        return path;
    }

    private static string Locate(string fileName)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, fileName);
        if (File.Exists(beside))
            return beside;
        // A run from the source tree without a copy beside the assembly: look for the repository's build/native.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "build", "native", fileName);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException(
            $"{fileName} not found next to {AppContext.BaseDirectory} or in a build/native above it: build the repository with 'dotnet build' (needs cc and make)");
    }
}

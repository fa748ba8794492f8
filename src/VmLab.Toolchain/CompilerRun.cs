using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace VmLab.Toolchain;

/// <summary>How one run of the compiler ended.</summary>
internal enum RunEnd : byte { Exited, NotStarted, TimedOut }

/// <summary>
/// Runs the compiler within bounds: a shared deadline for all the steps of one compile, an address-space limit
/// (an <c>#include "/dev/zero"</c> makes cc1 grow by a gigabyte a second), a file-size limit, output kept up to a cap, and the
/// whole process tree killed and the temporary directory removed when time runs out or vmlab itself is
/// interrupted (SIGINT, SIGTERM, SIGHUP).
/// </summary>
internal sealed class CompilerRun : IDisposable
{
    /// <summary>Address space each compiler process may use: far above what cc1 or ld need for a user program.</summary>
    public const long MemoryLimitBytes = 1L << 30;

    /// <summary>Largest file a compiler process may write (an assembler file of '.fill 0x7fffffff' lines wrote
    /// gigabytes into the temporary directory, which may be memory): a user program is at most 64 KiB.</summary>
    public const long FileLimitBytes = 64L << 20;

    /// <summary>Characters of compiler output kept; the rest is counted and said.</summary>
    public const int OutputCap = 64 * 1024;

    private readonly DateTime _deadline;
    private readonly string _tempDir;
    private readonly List<PosixSignalRegistration> _signals = [];
    private Process? _current;

    public CompilerRun(TimeSpan limit, string tempDir)
    {
        _deadline = DateTime.UtcNow + limit;
        _tempDir = tempDir;
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
                _signals.Add(PosixSignalRegistration.Create(signal, _ => Abandon()));
    }

    /// <summary>Runs <paramref name="program"/> (with <paramref name="stdin"/> as its input, if given) in
    /// <paramref name="workDir"/>; its exit code, stdout and stderr together (capped).</summary>
    public RunEnd Run(string program, IReadOnlyList<string> args, string workDir, byte[]? stdin, bool limitMemory,
        out int exitCode, out string output)
    {
        exitCode = -1;
        output = "";
        // The memory limit is set by /bin/sh's ulimit: the pure simulator makes no system calls of its own.
        bool viaShell = limitMemory && File.Exists("/bin/sh") && !OperatingSystem.IsWindows();
        var info = new ProcessStartInfo(viaShell ? "/bin/sh" : program)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = stdin is not null,
            UseShellExecute = false, WorkingDirectory = workDir,
        };
        if (viaShell)
        {
            info.ArgumentList.Add("-c");
            // ulimit -f counts 512-byte blocks in POSIX sh (1024 in bash outside POSIX mode: a limit twice as high)
            info.ArgumentList.Add($"ulimit -v {MemoryLimitBytes / 1024} 2>/dev/null; ulimit -f {FileLimitBytes / 512} 2>/dev/null; exec \"$0\" \"$@\"");
            info.ArgumentList.Add(program);
        }
        foreach (string a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return RunEnd.NotStarted;
        }
        using (process)
        {
            _current = process;
            var stdout = ReadCapped(process.StandardOutput);
            var stderr = ReadCapped(process.StandardError);
            if (stdin is not null) _ = Feed(process, stdin);
            var left = _deadline - DateTime.UtcNow;
            bool finished = left > TimeSpan.Zero && process.WaitForExit(left);
            if (!finished) Kill(process);
            process.WaitForExit();
            _current = null;
            output = stdout.Result + stderr.Result;
            if (!finished) return RunEnd.TimedOut;
            exitCode = process.ExitCode;
            // sh answers 127 when exec finds no such program: the same as a compiler that is not there.
            return viaShell && exitCode == 127 && output.Contains("not found", StringComparison.Ordinal) ? RunEnd.NotStarted : RunEnd.Exited;
        }
    }

    private static async Task Feed(Process process, byte[] bytes)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(bytes);
            process.StandardInput.Close();
        }
        catch (IOException) { }          // the compiler stopped reading (it failed early): its output says why
        catch (ObjectDisposedException) { }
    }

    private static async Task<string> ReadCapped(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        long dropped = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            int keep = Math.Max(0, Math.Min(n, OutputCap - text.Length));
            text.Append(buffer, 0, keep);
            dropped += n - keep;
        }
        if (dropped > 0) text.Append($"\n[{dropped} more characters of compiler output left out]\n");
        return text.ToString();
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }     // it ended by itself meanwhile
        catch (System.ComponentModel.Win32Exception) { }
    }

    // Interrupted: stop the compiler and remove the temporary files; the signal then ends vmlab as usual.
    private void Abandon()
    {
        if (_current is { } p) Kill(p);
        DeleteTemp(_tempDir);
    }

    public static void DeleteTemp(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }                  // already gone, or busy: not worth failing for
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        foreach (var s in _signals) s.Dispose();
        DeleteTemp(_tempDir);
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Spawn;
using static VmLab.Linux.Interop.Wait;

namespace VmLab.Linux;

/// <summary>What to start: the program (an absolute path), its arguments and environment, where its output goes.</summary>
/// <param name="Program">Absolute path of the executable (no PATH search).</param>
/// <param name="Args">argv[1..].</param>
/// <param name="Environment">The whole environment the program gets (nothing is inherited).</param>
/// <param name="StdoutPath">File for stdout (created or truncated).</param>
/// <param name="StderrPath">File for stderr; the same path as stdout shares one file.</param>
public sealed record LimitedStart(string Program, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment,
    string StdoutPath, string StderrPath)
{
    /// <summary>The working directory (null: this process's).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>setrlimit caps, applied with prlimit right after the start (null: none).</summary>
    public ResourceLimits? Limits { get; init; }

    /// <summary>Wall-clock limit; the whole process group is killed when it passes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Ends the program early, as the timeout would (a server's child whose work is no longer wanted).</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>
/// Runs a program the way a grader must run untrusted work: in a process group of its own, stdin from /dev/null,
/// stdout and stderr into files (never a pipe: a descendant left in the background cannot keep the caller
/// waiting for end-of-file), every signal at its default disposition and none blocked, setrlimit caps, and a
/// wall-clock limit. When the program ends or its time is up, the whole group is killed, so nothing it started
/// outlives it. posix_spawn does the fork and exec in libc (no managed code runs in the child).
/// </summary>
public static class LimitedProcess
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> Running = new();

    /// <summary>Starts, waits, kills the group, reaps. How the program ended (TimedOut when the limit killed it) and
    /// the wall-clock seconds it took.</summary>
    public static (ChildExit Exit, double Seconds) Run(LimitedStart start)
    {
        var clock = Stopwatch.StartNew();
        int pid = Start(start);
        Running[pid] = 0;
        try
        {
            start.Limits?.ApplyTo(pid);
            bool ended = WaitExited(pid, start.Timeout, start.Cancel);
            kill(-pid, SIGKILL);           // the group: background descendants too (ESRCH when it is already empty)
            if (!ended) kill(pid, SIGKILL);
            var exit = ChildExit.Wait(pid, TimeSpan.FromSeconds(10));
            return (exit with { TimedOut = !ended }, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Running.TryRemove(pid, out _);
        }
    }

    /// <summary>Kills the process group of every program this process is running through <see cref="Run"/> (for a
    /// caller that is itself being interrupted: they are in groups of their own, so Ctrl-C does not reach them).</summary>
    public static void KillAll()
    {
        foreach (int pid in Running.Keys)
        {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
    }

    private static unsafe int Start(LimitedStart s)
    {
        byte* actions = (byte*)NativeMemory.AllocZeroed(FileActionsSize), attr = (byte*)NativeMemory.AllocZeroed(AttrSize);
        byte* all = (byte*)NativeMemory.AllocZeroed(SigsetSize), none = (byte*)NativeMemory.AllocZeroed(SigsetSize);
        var strings = new List<nint>();
        try
        {
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "posix_spawn_file_actions_addopen");
            Check(posix_spawn_file_actions_addopen(actions, 1, s.StdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0x180), "posix_spawn_file_actions_addopen");
            Check(s.StderrPath == s.StdoutPath
                ? posix_spawn_file_actions_adddup2(actions, 1, 2)
                : posix_spawn_file_actions_addopen(actions, 2, s.StderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0x180), "posix_spawn_file_actions_addopen");
            if (s.WorkingDirectory is { } dir) Check(posix_spawn_file_actions_addchdir_np(actions, dir), "posix_spawn_file_actions_addchdir_np");
            sigfillset(all);
            sigemptyset(none);
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            Check(posix_spawnattr_setpgroup(attr, 0), "posix_spawnattr_setpgroup");
            Check(posix_spawnattr_setsigdefault(attr, all), "posix_spawnattr_setsigdefault");     // .NET ignores SIGPIPE; the child must not
            Check(posix_spawnattr_setsigmask(attr, none), "posix_spawnattr_setsigmask");
            byte** argv = Strings([s.Program, .. s.Args], strings);
            byte** envp = Strings([.. s.Environment.Select(kv => $"{kv.Key}={kv.Value}")], strings);
            int pid;
            Check(posix_spawn(&pid, s.Program, actions, attr, argv, envp), "posix_spawn", s.Program);
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(actions);
            posix_spawnattr_destroy(attr);
            foreach (nint p in strings) NativeMemory.Free((void*)p);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(all);
            NativeMemory.Free(none);
        }
    }

    // A NULL-terminated array of UTF-8 strings; every allocation is recorded in owned.
    private static unsafe byte** Strings(IReadOnlyList<string> values, List<nint> owned)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(nint));
        owned.Add((nint)array);
        for (int i = 0; i < values.Count; i++)
        {
            int n = System.Text.Encoding.UTF8.GetByteCount(values[i]);
            var bytes = (byte*)NativeMemory.AllocZeroed((nuint)n + 1);
            owned.Add((nint)bytes);
            System.Text.Encoding.UTF8.GetBytes(values[i], new Span<byte>(bytes, n));
            array[i] = bytes;
        }
        return array;
    }

    private static void Check(int error, string call, string? detail = null)
    {
        if (error != 0) throw new LinuxException(call, error, detail);
    }

    // Waits for the child to end without reaping it (waitid WNOWAIT): while it is a zombie its pid, and so its
    // process group's id, cannot be reused, so the group kill that follows reaches only its own descendants.
    private static unsafe bool WaitExited(int pid, TimeSpan timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        byte* info = stackalloc byte[SiginfoSize];
        int pauseUs = 50;
        while (true)
        {
            new Span<byte>(info, SiginfoSize).Clear();
            if (waitid(P_PID, pid, info, WEXITED | WNOHANG | WNOWAIT) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) throw new LinuxException("waitid", errno, $"(child {pid})");
            }
            else if (*(int*)(info + SiginfoPidOffset) == pid)
            {
                return true;
            }
            if (clock.Elapsed > timeout || cancel.IsCancellationRequested) return false;
            Thread.Sleep(TimeSpan.FromMicroseconds(pauseUs));
            pauseUs = Math.Min(pauseUs * 2, 20_000);
        }
    }
}

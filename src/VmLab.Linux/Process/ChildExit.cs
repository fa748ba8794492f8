using System.Diagnostics;
using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Wait;

namespace VmLab.Linux;

/// <summary>How a forked child ended, from waitpid's status.</summary>
/// <param name="Pid">The child.</param>
/// <param name="ExitCode">Its exit code when it exited, else null.</param>
/// <param name="Signal">The signal that ended it, else null.</param>
/// <param name="TimedOut">True when it outlived the timeout and was killed (then Signal is SIGKILL).</param>
public sealed record ChildExit(int Pid, int? ExitCode, int? Signal, bool TimedOut)
{
    /// <summary>Exited by itself with status 0.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>
    /// One sentence: "child PID exited with status N", "... was killed by signal N" or "... did not finish in time and
    /// was killed".
    /// </summary>
    public override string ToString() =>
        TimedOut ? $"child {Pid} did not finish in time and was killed"
        : ExitCode is int c ? $"child {Pid} exited with status {c}"
        : $"child {Pid} was killed by signal {Signal}";

    /// <summary>
    /// Reaps child <paramref name="pid"/>: polls waitpid(WNOHANG) with a growing pause until it ends, or kills it
    /// with SIGKILL once <paramref name="timeout"/> has passed. Only this pid is waited for, so it cannot steal
    /// the exit of a child that System.Diagnostics.Process started.
    /// </summary>
    public static unsafe ChildExit Wait(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        int pauseUs = 20;
        while (true)
        {
            int status = 0;
            int r = waitpid(pid, &status, WNOHANG);
            if (r == pid)
                return FromStatus(pid, status, timedOut: false);
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    throw new LinuxException("waitpid", errno, $"(child {pid})");
                continue;
            }
            if (clock.Elapsed > timeout)
                return KillAndReap(pid);
            Thread.Sleep(TimeSpan.FromMicroseconds(pauseUs));
            pauseUs = Math.Min(pauseUs * 2, 10_000);
        }
    }

    private static unsafe ChildExit KillAndReap(int pid)
    {
        if (kill(pid, SIGKILL) != 0)
            throw LinuxException.FromLastError("kill", $"(child {pid})");
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
        {
            if (Marshal.GetLastPInvokeError() != Errno.EINTR)
                throw LinuxException.FromLastError("waitpid", $"(child {pid})");
        }
        return FromStatus(pid, status, timedOut: true);
    }

    private static ChildExit FromStatus(int pid, int status, bool timedOut) =>
        WIFEXITED(status) ? new ChildExit(pid, WEXITSTATUS(status), null, timedOut)
        : new ChildExit(pid, null, WIFSIGNALED(status) ? WTERMSIG(status) : null, timedOut);
}

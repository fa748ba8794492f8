using System.Diagnostics;

namespace VmLab.Cli.Tests;

/// <summary>Runs vmlab in-process on a thread of its own with a time limit, so an input that makes it hang (a FIFO
/// it opens, a machine that never stops) fails the test instead of stalling the suite.</summary>
internal static class Bounded
{
    public sealed record Outcome(CliRunner.Result Result, TimeSpan Elapsed, long Allocated);

    /// <param name="unblock">called when the limit passes, to release whatever vmlab waits on (a FIFO's writer)</param>
    public static Outcome Run(string[] args, TimeSpan limit, Action? unblock = null)
    {
        CliRunner.Result? result = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            result = CliRunner.Run(args);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        var clock = Stopwatch.StartNew();
        thread.Start();
        bool finished = thread.Join(limit);
        if (!finished)
        {
            unblock?.Invoke();
            thread.Join(TimeSpan.FromSeconds(10));
        }
        Assert.True(finished, $"vmlab {string.Join(' ', args.Select(a => a.Length > 30 ? a[..30] + "…" : a))} ran for more than {limit.TotalSeconds} s");
        return new Outcome(result!, clock.Elapsed, allocated);
    }

    /// <summary>The project's promise for any failure: exactly one stderr line, at most 200 bytes, no control
    /// characters, no exception name or stack.</summary>
    public static void OneCleanLine(CliRunner.Result r)
    {
        string err = r.Err.TrimEnd('\n');
        Assert.False(err.Contains('\n'), $"more than one stderr line: {err}");
        Assert.True(err.Length > 0, "nothing on stderr");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(err) <= 200, $"stderr line of {System.Text.Encoding.UTF8.GetByteCount(err)} bytes: {err[..Math.Min(err.Length, 300)]}");
        Assert.DoesNotContain(err, c => char.IsControl(c));
        Assert.DoesNotMatch(@"\w+Exception|internal error|   at ", err);
    }

    /// <summary>Makes a FIFO (mkfifo(1): the test project calls no libc of its own).</summary>
    public static string Fifo(string dir)
    {
        string path = Path.Combine(dir, "fifo");
        using var mk = Process.Start(new ProcessStartInfo("mkfifo", [path]))!;
        mk.WaitForExit();
        Assert.Equal(0, mk.ExitCode);
        return path;
    }

    /// <summary>Opens a FIFO for writing and closes it: a reader blocked in open() gets end of file.</summary>
    public static void Release(string fifo) => Task.Run(() =>
    {
        try { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); }
        catch (IOException) { }
    });
}

namespace VmLab.Linux.Tests;

/// <summary>A bounded child: its output in files, its whole process group killed at the end, its limits in force.</summary>
public sealed class LimitedProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-limited-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (ChildExit Exit, double Seconds, string Out) Sh(string script, TimeSpan timeout, ResourceLimits? limits = null)
    {
        string output = Path.Combine(_dir, "out");
        var (exit, seconds) = LimitedProcess.Run(new LimitedStart("/bin/sh", ["-c", script],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, output, output) { Timeout = timeout, Limits = limits, WorkingDirectory = _dir });
        return (exit, seconds, File.ReadAllText(output));
    }

    [Fact]
    public void A_background_process_holding_stdout_neither_delays_the_end_nor_outlives_it()
    {
        string marker = Path.Combine(_dir, "alive");
        var (exit, seconds, output) = Sh($"echo started; (sleep 3; touch {marker}) & echo parent done", TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit.ExitCode);
        Assert.False(exit.TimedOut);
        Assert.InRange(seconds, 0, 2.5);
        Assert.Equal("started\nparent done\n", output);
        Thread.Sleep(3500);
        Assert.False(File.Exists(marker), "the background sleeper outlived its group");
    }

    [Fact]
    public void A_program_that_never_ends_is_killed_at_the_time_limit_with_its_descendants()
    {
        string marker = Path.Combine(_dir, "alive");
        var (exit, seconds, _) = Sh($"(sleep 2; touch {marker}) & sleep infinity", TimeSpan.FromSeconds(0.5));
        Assert.True(exit.TimedOut);
        Assert.Equal(9, exit.Signal);
        Assert.InRange(seconds, 0.4, 2);
        Thread.Sleep(2500);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Limits_reach_the_program_and_signals_start_at_their_defaults()
    {
        var limits = new ResourceLimits(DataBytes: 3UL << 30, CpuSeconds: 7, Processes: 300, FileBytes: 1 << 20);
        var (exit, _, output) = Sh("sleep 0.3; cat /proc/self/limits; grep SigIgn /proc/self/status", TimeSpan.FromSeconds(10), limits);
        Assert.Equal(0, exit.ExitCode);
        Assert.Matches(@"Max cpu time\s+7\s+7 ", output);
        Assert.Matches(@"Max file size\s+1048576\s+1048576 ", output);
        Assert.Matches(@"Max processes\s+300\s+300 ", output);
        Assert.Matches(@"Max data size\s+3221225472\s+3221225472 ", output);
        // .NET ignores SIGPIPE (bit 12); a program started from it must get the default back.
        ulong ignored = Convert.ToUInt64(output.Split("SigIgn:")[1].Trim(), 16);
        Assert.Equal(0UL, ignored & (1UL << 12));
    }

    [Fact]
    public void A_file_larger_than_the_cap_stops_the_writer()
    {
        var (exit, _, _) = Sh("sleep 0.3; head -c 4000000 /dev/zero > big", TimeSpan.FromSeconds(10), new ResourceLimits(0, 0, 0, 1 << 20));
        Assert.NotEqual(0, exit.ExitCode ?? -1);
        Assert.Equal(1 << 20, new FileInfo(Path.Combine(_dir, "big")).Length);
    }
}

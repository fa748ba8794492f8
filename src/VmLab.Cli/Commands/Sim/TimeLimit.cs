using System.CommandLine;

namespace VmLab.Cli.Commands.Sim;

/// <summary>--timeout for every verb that runs programs on the simulated machine: an instruction budget does not
/// bound time (a getpid loop costs the kernel and its memory checker microseconds an instruction), the clock does.</summary>
internal static class TimeLimit
{
    public const int DefaultSeconds = 30, MaxSeconds = 3600;

    public static Option<long> Option() => Opt.Int("--timeout",
        $"stop the machine after N seconds of wall time (default {DefaultSeconds}, at most {MaxSeconds})", DefaultSeconds, 1, MaxSeconds);

    public static TimeSpan Get(Ctx ctx, Option<long> option) => TimeSpan.FromSeconds(ctx.Get(option));

    /// <summary>The stop reason of a run the clock ended.</summary>
    public static string Stopped(TimeSpan limit, long instructions) =>
        $"stopped by the time limit ({limit.TotalSeconds:0} s) after {instructions} instructions (raise --timeout)";
}

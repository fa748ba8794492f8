using System.Diagnostics;
using VmLab.Sim.Viewer;

namespace VmLab.Web;

/// <summary>
/// Where machines run: in slices of <see cref="Slice"/>, at most one per core but one (never fewer than one),
/// first come first served. A request that steps a machine awaits its slices without holding a server thread,
/// so however many machines are busy, and however many requests queue on one of them, every other request is
/// answered at once. A request runs at most <see cref="RequestLimit"/> of simulation and says when it stopped
/// for that (a syscall-heavy scenario runs a few million instructions a second, so 20 million may take longer).
/// </summary>
internal static class Simulator
{
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(20);

    public static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(2.8);     // with the answer, a request ends within 3 s

    private static readonly TaskScheduler Slices =
        new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Math.Max(1, Environment.ProcessorCount - 1)).ConcurrentScheduler;

    /// <summary>One slice of work on the simulation's scheduler; the caller resumes on the thread pool.</summary>
    public static async Task<T> Run<T>(Func<T> work, CancellationToken cancel) =>
        await Task.Factory.StartNew(work, cancel, TaskCreationOptions.DenyChildAttach, Slices).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);

    /// <summary>Steps <paramref name="m"/> by <paramref name="count"/> instructions (or to the next event), slice by slice,
    /// for at most about <paramref name="limit"/>.</summary>
    public static async Task<object> Step(MachineSession m, long count, bool untilEvent, TimeSpan limit, CancellationToken cancel)
    {
        long before = m.Step, events = m.Kernel.EventCount;
        var clock = Stopwatch.StartNew();
        bool timeLimited = false;
        while (true)
        {
            long left = count - (m.Step - before);
            var r = await Run(() => untilEvent ? m.StepUntilEvent(left, Slice) : m.StepBy(left, Slice), cancel);
            if (r.Finished || r.Retired == 0 || m.Step - before >= count || (untilEvent && m.Kernel.EventCount > events)) break;
            if (clock.Elapsed >= limit)
            {
                timeLimited = true;
                break;
            }
        }
        return new { Retired = m.Step - before, m.Step, NewEvents = m.Kernel.EventCount - events, m.Finished, TimeLimited = timeLimited };
    }

    /// <summary>Puts <paramref name="m"/> at <paramref name="step"/>: one restore, then a replay of at most one
    /// checkpoint gap, slice by slice.</summary>
    public static async Task<object> Seek(MachineSession m, long step, CancellationToken cancel)
    {
        long before = m.Step, events = m.Kernel.EventCount, replayed = 0;
        do
        {
            long at = m.Step;
            var r = await Run(() => m.Seek(step, Slice), cancel);
            replayed += m.LastReplay;
            if (r.Step == at && r.Retired == 0 && m.Step != step) break;
        }
        while (m.Step != step);
        return new { Retired = m.Step - before, m.Step, NewEvents = m.Kernel.EventCount - events, m.Finished, Replayed = replayed };
    }
}

using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Viewer;

/// <summary>
/// The checkpoints of one session's run, ascending by step, from step 0 to the furthest taken: going to any step
/// restores the nearest checkpoint at or before it and replays the rest, so a seek costs at most one gap.
/// Gaps are measured in the time the run took to cross them (a fork-and-check scenario runs 40 thousand
/// instructions a second, a pipe 14 million: a gap in instructions would bound nothing). Memory is bounded:
/// past <see cref="MaxCount"/> checkpoints or <see cref="MaxBytes"/>, the one whose two gaps add up to the
/// least time goes, so the gaps stay even as the timeline grows (and each doubles when it has to).
/// </summary>
public sealed class Checkpoints
{
    /// <summary>Most checkpoints kept (at least 2: step 0 and the latest).</summary>
    public int MaxCount { get; init; } = 400;

    /// <summary>Most host memory the checkpoints of one session hold.</summary>
    public long MaxBytes { get; init; } = 16L << 20;

    /// <summary>Run time between two checkpoints as they are taken (before any thinning).</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Most instructions between two checkpoints as they are taken, however fast the run.</summary>
    public long MaxSpacing { get; init; } = 2_000_000;

    private sealed class Entry(KernelCheckpoint checkpoint, TimeSpan gap, long bytes)
    {
        public KernelCheckpoint Checkpoint { get; } = checkpoint;
        public TimeSpan Gap { get; set; } = gap;            // run time from the previous checkpoint to this one
        public long Bytes { get; set; } = bytes;            // held beyond what the previous one holds
    }

    private readonly List<Entry> _entries = [];

    /// <summary>What only grows in this run, shared by its checkpoints.</summary>
    internal RunRecords Records { get; } = new();

    /// <summary>How many checkpoints are kept.</summary>
    public int Count => _entries.Count;

    /// <summary>Host bytes the checkpoints hold (pages shared between neighbours counted once).</summary>
    public long Bytes { get; private set; }

    /// <summary>The furthest checkpoint.</summary>
    internal KernelCheckpoint Latest => _entries[^1].Checkpoint;

    /// <summary>The steps of the checkpoints, ascending.</summary>
    public IEnumerable<long> Steps => _entries.Select(e => e.Checkpoint.Step);

    /// <summary>The longest replay a seek can need now: the widest gap, in instructions.</summary>
    public long WidestGap => _entries.Count < 2 ? 0 : _entries.Zip(_entries.Skip(1)).Max(p => p.Second.Checkpoint.Step - p.First.Checkpoint.Step);

    /// <summary>The longest replay a seek can need now, in the run time it took the first time.</summary>
    public TimeSpan LongestGap => _entries.Count == 0 ? TimeSpan.Zero : _entries.Max(e => e.Gap);

    /// <summary>The checkpoint at or before <paramref name="step"/> nearest to it (step 0 is always kept).</summary>
    internal KernelCheckpoint AtOrBefore(long step)
    {
        int lo = 0, hi = _entries.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_entries[mid].Checkpoint.Step <= step) lo = mid;
            else hi = mid - 1;
        }
        return _entries[lo].Checkpoint;
    }

    /// <summary>Takes a checkpoint of <paramref name="k"/>, past every one kept, <paramref name="gap"/> of run time
    /// after the latest; then thins if the bounds are passed.</summary>
    internal void Add(SimKernel k, TimeSpan gap)
    {
        if (_entries.Count > 0 && k.Instructions <= Latest.Step)
            throw new InvalidOperationException($"checkpoints: step {k.Instructions} is not past the latest, {Latest.Step}");
        var previous = _entries.Count > 0 ? Latest : null;
        var c = k.Checkpoint(Records, previous);
        long bytes = c.BytesBeyond(previous);
        _entries.Add(new Entry(c, gap, bytes));
        Bytes += bytes;
        while ((_entries.Count > MaxCount || Bytes > MaxBytes) && _entries.Count > 2) Thin();
    }

    // Drops the inner checkpoint whose removal leaves the shortest merged gap; its successor now shares pages with
    // (and is counted against) the one before.
    private void Thin()
    {
        int victim = 1;
        for (int i = 2; i < _entries.Count - 1; i++)
            if (_entries[i].Gap + _entries[i + 1].Gap < _entries[victim].Gap + _entries[victim + 1].Gap) victim = i;
        var next = _entries[victim + 1];
        Bytes -= _entries[victim].Bytes + next.Bytes;
        next.Gap += _entries[victim].Gap;
        next.Bytes = next.Checkpoint.BytesBeyond(_entries[victim - 1].Checkpoint);
        Bytes += next.Bytes;
        _entries.RemoveAt(victim);
    }
}

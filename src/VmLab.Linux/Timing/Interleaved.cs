using System.Diagnostics;

namespace VmLab.Linux.Timing;

/// <summary>
/// Two sides of a comparison measured in adjacent pairs: A[i] and B[i] were taken one right after the other,
/// so each ratio A[i]/B[i] saw the same machine. On a machine whose page-table changes swing several-fold from
/// one minute to the next, two medians taken at different moments can say either thing; the per-pair ratios
/// cannot be moved by a phase that both sides of a pair share.
/// </summary>
public sealed record PairedTimings(IReadOnlyList<double> A, IReadOnlyList<double> B)
{
    /// <summary>Pairs measured (A and B always have the same length).</summary>
    public int Count => A.Count;

    /// <summary>Median and quartiles of the A side alone.</summary>
    public Spread SpreadA => Spread.Of(A);

    /// <summary>Median and quartiles of the B side alone.</summary>
    public Spread SpreadB => Spread.Of(B);

    /// <summary>The per-pair ratios A[i] / B[i] (pairs with B[i] = 0 are left out).</summary>
    public Spread AOverB => Spread.Of(A.Zip(B).Where(p => p.Second > 0).Select(p => p.First / p.Second));

    /// <summary>The per-pair ratios B[i] / A[i].</summary>
    public Spread BOverA => Spread.Of(A.Zip(B).Where(p => p.First > 0).Select(p => p.Second / p.First));
}

/// <summary>Collects pairs as they are measured.</summary>
public sealed class PairRecorder
{
    private readonly List<double> _a = [], _b = [];

    /// <summary>
    /// Records one pair: <paramref name="a"/> and <paramref name="b"/> measured back to back (any unit, the same for
    /// both).
    /// </summary>
    public void Add(double a, double b)
    {
        _a.Add(a);
        _b.Add(b);
    }

    /// <summary>Pairs recorded so far.</summary>
    public int Count => _a.Count;

    /// <summary>A snapshot of the pairs so far; later <see cref="Add"/>s do not change it.</summary>
    public PairedTimings ToTimings() => new(_a.ToArray(), _b.ToArray());
}

/// <summary>
/// Runs side A and side B alternately: in round r, each pair runs A then B when r is even and B then A when r is
/// odd, so neither side always comes first (and inherits what the other left in caches, TLBs or the allocator).
/// The measuring functions return nanoseconds themselves, so set-up they do is not counted; the clock is not
/// part of this class, which makes the schedule and the statistics testable with synthetic timings.
/// </summary>
public static class Interleaved
{
    /// <summary>Whether A runs first in round <paramref name="round"/>.</summary>
    public static bool AFirst(int round) => round % 2 == 0;

    /// <summary>One pair: both sides, in the round's order. Returns (A, B) whatever the order.</summary>
    public static (double A, double B) Pair(int round, Func<double> a, Func<double> b)
    {
        if (AFirst(round))
        {
            double x = a();
            return (x, b());
        }
        double y = b();
        return (a(), y);
    }

    /// <summary>
    /// <paramref name="rounds"/> rounds of <paramref name="pairsPerRound"/> pairs. <paramref name="a"/> and
    /// <paramref name="b"/> get the pair's index (0 .. rounds x pairsPerRound - 1) and return its nanoseconds;
    /// <paramref name="betweenRounds"/> (optional) runs after each round, untimed (to free what a round made).
    /// </summary>
    public static PairedTimings Run(int rounds, int pairsPerRound, Func<int, double> a, Func<int, double> b, Action<int>? betweenRounds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pairsPerRound);
        var rec = new PairRecorder();
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < pairsPerRound; k++)
            {
                int i = r * pairsPerRound + k;
                var (x, y) = Pair(r, () => a(i), () => b(i));
                rec.Add(x, y);
            }
            betweenRounds?.Invoke(r);
        }
        return rec.ToTimings();
    }
}

/// <summary>The clock the experiments use: nanoseconds from the monotonic high-resolution timer.</summary>
public static class Clock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Nanoseconds <paramref name="step"/> took.</summary>
    public static double Time(Action step)
    {
        long t0 = Stopwatch.GetTimestamp();
        step();
        return (Stopwatch.GetTimestamp() - t0) * NsPerTick;
    }

    /// <summary>Nanoseconds for <paramref name="ticks"/> Stopwatch ticks.</summary>
    public static double Ns(long ticks) => ticks * NsPerTick;
}

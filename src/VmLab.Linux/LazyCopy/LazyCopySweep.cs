using VmLab.Linux.Timing;

namespace VmLab.Linux.LazyCopy;

/// <summary>The kernel's fork copy-on-write fault against the cheapest first write to a lazy copy, interleaved.</summary>
/// <param name="Best">The strategy whose first write was cheapest in the sweep (at <paramref name="ChunkBytes"/>).</param>
/// <param name="ChunkBytes">The chunk size of that cheapest first write, in bytes.</param>
/// <param name="ForkCowNs">The child's first write to a page it shares with its parent: median page, median round.</param>
/// <param name="FirstWriteNs">The best strategy's first write, median over rounds.</param>
/// <param name="Ratio">First write / fork COW fault, one ratio per round.</param>
public sealed record ForkCowYardstick(LazyCopyStrategy Best, int ChunkBytes, double ForkCowNs, double FirstWriteNs, Spread Ratio);

/// <summary>Everything <see cref="LazyCopySweep.Run"/> measured and concluded.</summary>
public sealed record LazyCopySweepResult(
    IReadOnlyList<LazyCopyMeasurement> Measurements,
    IReadOnlyDictionary<LazyCopyStrategy, string> Unavailable,
    IReadOnlyDictionary<LazyCopyStrategy, LazyCopyCostModel> Models,
    ForkCowYardstick? Yardstick,
    IReadOnlyList<Verdict> Verdicts);

/// <summary>
/// The lazy-copy experiment over several chunk sizes and strategies: each (strategy, size) measured interleaved
/// (<see cref="LazyCopyExperiment"/>), a cost model fitted per strategy, the kernel's fork COW fault as yardstick,
/// and the seed's claims judged (<see cref="LazyCopyJudge"/>).
/// </summary>
public static class LazyCopySweep
{
    /// <summary>The sweep when none is asked for: 4 KiB to 8 MiB.</summary>
    public static IReadOnlyList<int> DefaultSizes { get; } = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20, 8 << 20];

    /// <summary>Chunks per size when none are asked for: 32 MiB worth, between 8 and 64.</summary>
    public static int DefaultChunks(int chunkBytes) => (int)Math.Clamp((32L << 20) / chunkBytes, 8, 64);

    /// <summary>Measures every strategy at every size, skipping (with the reason) a strategy this kernel cannot
    /// run, then fits the cost models, measures the fork COW yardstick and judges the seed's claims.</summary>
    /// <param name="strategies">The strategies to measure.</param>
    /// <param name="sizes">Chunk sizes in bytes, each a positive multiple of the page size.</param>
    /// <param name="chunks">Chunks per size, or null for <see cref="DefaultChunks"/>.</param>
    /// <param name="seed">Seed of the stress test's random operations, for reproducible runs.</param>
    public static LazyCopySweepResult Run(IReadOnlyList<LazyCopyStrategy> strategies, IReadOnlyList<int> sizes, int? chunks = null, int seed = 1)
    {
        var measurements = new List<LazyCopyMeasurement>();
        var unavailable = new Dictionary<LazyCopyStrategy, string>();
        foreach (var s in strategies)
        {
            if (!s.IsAvailable(out string reason))
            {
                unavailable[s] = reason;
                continue;
            }
            // The threaded differential test once per strategy (at the smallest size), not per size.
            for (int i = 0; i < sizes.Count; i++)
                measurements.Add(LazyCopyExperiment.Run(s, sizes[i], chunks ?? DefaultChunks(sizes[i]), seed, stress: i == 0));
        }
        var points = measurements.Select(SweepPoint.Of).ToList();
        var models = points.GroupBy(p => p.Strategy).ToDictionary(g => g.Key, g => LazyCopyJudge.Model([.. g]));
        var verdicts = LazyCopyJudge.Judge(points, models);
        ForkCowYardstick? yardstick = null;
        if (measurements.Count > 0)
        {
            int size = sizes.Min();
            var best = measurements.Where(m => m.ChunkBytes == size).MinBy(m => m.LazyFirstWrite.P50)!;
            yardstick = ForkCow(best.Strategy, size, seed);
            verdicts.Add(LazyCopyJudge.ForkCow(best.Strategy.Name(), yardstick.FirstWriteNs, yardstick.ForkCowNs, yardstick.Ratio));
        }
        return new LazyCopySweepResult(measurements, unavailable, models, yardstick, verdicts);
    }

    /// <summary>
    /// Rounds of: a forked child writes 64 pages it shares with the parent (median page), and 8 first writes to
    /// lazy copies of the best strategy (median), in alternating order. One ratio per round.
    /// </summary>
    public static unsafe ForkCowYardstick ForkCow(LazyCopyStrategy best, int chunkBytes, int seed, int rounds = 6)
    {
        const int Pages = 64, Writes = 8;
        using var shared = Mapping.Anonymous((ulong)Pages * (ulong)PageSize.Value);
        shared.Span.Fill(0x42);   // present and the parent's, so the child's writes are copies, not zero fills
        using var a = new ChunkAllocator(best, chunkBytes);
        var r = new Random(seed);
        var rec = new PairRecorder();
        for (int round = 0; round < rounds + 1; round++)
        {
            var pair = Interleaved.Pair(round,
                () => ForkCowNs(shared.Address, Pages),
                () => FirstWritesNs(a, Writes, r));
            if (round > 0)   // the first round warms both up
                rec.Add(pair.A, pair.B);
        }
        var t = rec.ToTimings();
        return new ForkCowYardstick(best, chunkBytes, t.SpreadA.Median, t.SpreadB.Median, t.BOverA);
    }

    private static double ForkCowNs(nint address, int pages)
    {
        var child = Fork.Touch(new ForkTouchPlan(address, pages, PageSize.Value / sizeof(ulong), 0x4348_494c_4421_2121, Passes: 1, ReadPageMap: false));
        return Spread.Of(child.PageNanoseconds[0].Select(x => (double)x)).Median;
    }

    private static unsafe double FirstWritesNs(ChunkAllocator a, int n, Random r)
    {
        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            using var source = a.Allocate();
            source.Span.Fill((byte)i);
            using var copy = a.CopyLazy(source);
            int offset = r.Next(a.ChunkBytes);
            times[i] = Clock.Time(() => copy.Pointer[offset] ^= 0x5a);
        }
        return Spread.Of(times).Median;
    }
}

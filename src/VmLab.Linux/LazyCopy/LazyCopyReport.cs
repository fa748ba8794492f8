using VmLab.Linux.Timing;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// What <c>vmlab lazycopy</c> reports (its --json, snake_case): one row per strategy and size with every step's
/// median and distribution, the sweep (plot-friendly), the crossovers, the cost models, the fork COW yardstick
/// and the verdicts. Built from a <see cref="LazyCopySweepResult"/>; rendering only reads it.
/// </summary>
public sealed record LazyCopyReport(
    IReadOnlyList<LazyCopyReport.StrategyRow> Strategies,
    IReadOnlyList<LazyCopyReport.SweepRow> Sweep,
    IReadOnlyDictionary<string, long?> CrossoverBytes,
    IReadOnlyDictionary<string, LazyCopyReport.CostRow?> CostModel,
    double? KernelForkCowWriteNs,
    string? BestFirstWrite,
    double? BestFirstWriteVsForkCow,
    Spread? BestFirstWriteVsForkCowPerRound,
    IReadOnlyList<Verdict> Verdicts)
{
    /// <summary>One point of the sweep; lazy_vs_eager is eager time / lazy time per interleaved pair.</summary>
    public sealed record SweepRow(string Name, int ChunkBytes, double EagerCopyNs, double LazyCopyNs, double LazyFirstWriteNs, Spread LazyVsEager);

    /// <summary>A fitted cost model: ns = fixed + per-byte x bytes, for each kind of copy.</summary>
    public sealed record CostRow(double EagerFixedNs, double EagerNsPerByte, double LazyFixedNs, double LazyNsPerByte, long? TwiceFasterFromBytes)
    {
        public double EagerUsPerKib => EagerNsPerByte * 1024 / 1000;

        public double LazyUsPerKib => LazyNsPerByte * 1024 / 1000;
    }

    /// <summary>The seed's two claims at one size, from the per-pair ratios.</summary>
    public sealed record Claims(bool LazyCopyMuchFaster, double CopySpeedup, bool LazyFirstWriteSlower, double FirstWriteSlowdown);

    public sealed record StrategyRow(
        string Name, int ChunkBytes, int Chunks,
        double? EagerCopyNs, double? LazyCopyNs, double? EagerFirstWriteNs, double? LazyFirstWriteNs,
        double? LaterWriteNs, double? ReadPassNs, bool? Correct,
        double? EagerReadPassNs, double? EagerWritePassNs, bool? ReadsMatch, bool? SourcesIntact,
        long? StressOperations, long? StressMismatches, Claims? Claims,
        Dictionary<string, Distribution>? Distribution, string? Unavailable, long? Splits = null, long? SpareSplits = null,
        int? Rounds = null, Spread? LazyVsEager = null, Spread? FirstWriteLazyVsEager = null)
    {
        public static StrategyRow Skipped(LazyCopyStrategy s, int size, int chunks, string reason) =>
            new(s.Name(), size, chunks, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, reason);

        public static StrategyRow From(LazyCopyMeasurement m) => new(
            m.Strategy.Name(), m.ChunkBytes, m.Chunks,
            m.EagerCopy.P50, m.LazyCopy.P50, m.EagerFirstWrite.P50, m.LazyFirstWrite.P50,
            m.LaterWritePass.P50, m.LazyReadPass.P50, m.Correct,
            m.EagerReadPass.P50, m.EagerWritePass.P50, m.ReadsMatch, m.SourcesIntact,
            m.StressOperations, m.StressMismatches,
            new Claims(m.LazyVsEager.Median >= LazyCopyJudge.MuchFaster, m.LazyVsEager.Median,
                m.FirstWriteLazyVsEager.Median > 1, m.FirstWriteLazyVsEager.Median),
            new Dictionary<string, Distribution>
            {
                ["eager_copy"] = m.EagerCopy, ["lazy_copy"] = m.LazyCopy,
                ["eager_read_pass"] = m.EagerReadPass, ["read_pass"] = m.LazyReadPass,
                ["eager_first_write"] = m.EagerFirstWrite, ["lazy_first_write"] = m.LazyFirstWrite,
                ["eager_write_pass"] = m.EagerWritePass, ["later_write"] = m.LaterWritePass,
            },
            null, m.Splits, m.SpareSplits, m.Rounds, m.LazyVsEager, m.FirstWriteLazyVsEager);
    }

    /// <param name="chunks">Chunks per size as asked (null: each size's default), for the rows of skipped strategies.</param>
    public static LazyCopyReport From(LazyCopySweepResult r, IReadOnlyList<LazyCopyStrategy> strategies, IReadOnlyList<int> sizes, int? chunks)
    {
        var rows = new List<StrategyRow>();
        foreach (var s in strategies)
            foreach (int size in sizes)
                rows.Add(r.Unavailable.TryGetValue(s, out string? why)
                    ? StrategyRow.Skipped(s, size, chunks ?? LazyCopySweep.DefaultChunks(size), why)
                    : StrategyRow.From(r.Measurements.Single(m => m.Strategy == s && m.ChunkBytes == size)));
        var sweep = r.Measurements.Select(m => new SweepRow(m.Strategy.Name(), m.ChunkBytes, m.EagerCopy.P50, m.LazyCopy.P50, m.LazyFirstWrite.P50, m.LazyVsEager)).ToList();
        var crossover = LazyCopyStrategies.All.ToDictionary(s => s.Name(), s => r.Models.TryGetValue(s, out var m) ? m.CrossoverBytes : null);
        var costs = LazyCopyStrategies.All.ToDictionary(s => s.Name(), s => r.Models.TryGetValue(s, out var m)
            ? new CostRow(m.Eager.FixedNs, m.Eager.NsPerByte, m.Lazy.FixedNs, m.Lazy.NsPerByte, m.TwiceFasterFromBytes)
            : null);
        var y = r.Yardstick;
        return new LazyCopyReport(rows, sweep, crossover, costs, y?.ForkCowNs, y?.Best.Name(),
            y is null || y.ForkCowNs <= 0 ? null : y.FirstWriteNs / y.ForkCowNs, y?.Ratio, r.Verdicts);
    }
}

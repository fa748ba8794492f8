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
        /// <summary>The eager copy's per-byte cost as microseconds per KiB.</summary>
        public double EagerUsPerKib => EagerNsPerByte * 1024 / 1000;

        /// <summary>The lazy copy's per-byte cost as microseconds per KiB.</summary>
        public double LazyUsPerKib => LazyNsPerByte * 1024 / 1000;
    }

    /// <summary>The seed's two claims at one size, from the per-pair ratios.</summary>
    public sealed record Claims(bool LazyCopyMuchFaster, double CopySpeedup, bool LazyFirstWriteSlower, double FirstWriteSlowdown);

    /// <summary>
    /// One strategy at one chunk size, as --json reports it: medians in nanoseconds per chunk, the checks, the
    /// percentiles. Every measured field is null when the strategy could not run here (<paramref name="Unavailable"/>).
    /// </summary>
    /// <param name="Name">The strategy's command-line name: "segv", "uffd" or "kcow".</param>
    /// <param name="ChunkBytes">Bytes per chunk (a multiple of the page size).</param>
    /// <param name="Chunks">Chunks measured (or that would have been, for a skipped strategy).</param>
    /// <param name="EagerCopyNs">Median time of an eager copy: fresh frames, first-touch faults, memcpy.</param>
    /// <param name="LazyCopyNs">Median time of a lazy copy: page-table changes only, no byte copied.</param>
    /// <param name="EagerFirstWriteNs">Median time of one byte written into an eager copy.</param>
    /// <param name="LazyFirstWriteNs">Median time of one byte written into a lazy copy: it pays the split.</param>
    /// <param name="LaterWriteNs">Median time to write every page of the lazy copy after its first write.</param>
    /// <param name="ReadPassNs">Median time to read every cache line of the lazy copy.</param>
    /// <param name="Correct">Every check held: reads match, sources intact, no stress mismatch.</param>
    /// <param name="EagerReadPassNs">Median time to read every cache line of the eager copy.</param>
    /// <param name="EagerWritePassNs">Median time to write every page of the eager copy.</param>
    /// <param name="ReadsMatch">Lazy copies read exactly like eager copies, before and after writes.</param>
    /// <param name="SourcesIntact">No write to a copy ever changed its source.</param>
    /// <param name="StressOperations">Operations the threaded differential test ran.</param>
    /// <param name="StressMismatches">Reads in that test that differed from the byte-array model (0 when correct).</param>
    /// <param name="Claims">The seed's two claims at this size, from the per-pair ratios.</param>
    /// <param name="Distribution">Percentiles per step, keyed by snake_case name ("eager_copy", "lazy_first_write"...).</param>
    /// <param name="Unavailable">Why the strategy could not run on this machine; null when it ran.</param>
    /// <param name="Splits">Copies split by their first write during the measured rounds.</param>
    /// <param name="SpareSplits">Those splits that took a pre-faulted spare mapping instead of fresh frames.</param>
    /// <param name="Rounds">Interleaved rounds the chunks were measured in.</param>
    /// <param name="LazyVsEager">Eager copy time / lazy copy time, per interleaved pair.</param>
    /// <param name="FirstWriteLazyVsEager">Lazy first write / eager first write, per interleaved pair.</param>
    public sealed record StrategyRow(
        string Name, int ChunkBytes, int Chunks,
        double? EagerCopyNs, double? LazyCopyNs, double? EagerFirstWriteNs, double? LazyFirstWriteNs,
        double? LaterWriteNs, double? ReadPassNs, bool? Correct,
        double? EagerReadPassNs, double? EagerWritePassNs, bool? ReadsMatch, bool? SourcesIntact,
        long? StressOperations, long? StressMismatches, Claims? Claims,
        Dictionary<string, Distribution>? Distribution, string? Unavailable, long? Splits = null, long? SpareSplits = null,
        int? Rounds = null, Spread? LazyVsEager = null, Spread? FirstWriteLazyVsEager = null)
    {
        /// <summary>
        /// The row of a strategy that could not run, with <paramref name="reason"/> in <see cref="Unavailable"/> and
        /// every measurement null.
        /// </summary>
        public static StrategyRow Skipped(LazyCopyStrategy s, int size, int chunks, string reason) =>
            new(s.Name(), size, chunks, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, reason);

        /// <summary>
        /// The row of a measured strategy: medians, checks, claims and percentiles of <paramref name="m"/>.
        /// </summary>
        public static StrategyRow From(LazyCopyMeasurement m) => new(
            m.Strategy.Name(), m.ChunkBytes, m.Chunks,
            m.EagerCopy.P50, m.LazyCopy.P50, m.EagerFirstWrite.P50, m.LazyFirstWrite.P50,
            m.LaterWritePass.P50, m.LazyReadPass.P50, m.Correct,
            m.EagerReadPass.P50, m.EagerWritePass.P50, m.ReadsMatch, m.SourcesIntact,
            m.StressOperations, m.StressMismatches,
            new Claims(LazyCopyJudge.IsMuchFaster(m.LazyVsEager), m.LazyVsEager.Median,
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

    /// <summary>The report of sweep <paramref name="r"/>: one row per strategy and size asked for, skipped
    /// strategies included with their reason.</summary>
    /// <param name="r">What the sweep measured and concluded.</param>
    /// <param name="strategies">The strategies asked for, in report order.</param>
    /// <param name="sizes">The chunk sizes asked for, in bytes, in report order.</param>
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

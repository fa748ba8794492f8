using System.Globalization;
using VmLab.Cli.Framework;
using VmLab.Linux;
using VmLab.Linux.LazyCopy;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab lazycopy</c>: the seed's lazy-copy test and timing comparison, for each strategy.</summary>
internal static class LazyCopyCommand
{
    private const long MaxTotalBytes = 1L << 30;

    public static Verb Create()
    {
        var strategy = Opt.Choice("--strategy", "one strategy, or all", "all", "segv", "uffd", "kcow", "all");
        var size = Opt.Size("--size", "chunk size, a multiple of the page size (2M shows the large case)", ChunkAllocator.DefaultChunkBytes, PageSize.Value, 256L << 20);
        var chunks = Opt.Int("--chunks", "chunks per measurement (default: 32 MiB worth, between 16 and 256)", 0, 1, 16384);
        return new Verb("lazycopy", "copy-on-write chunks: eager vs lazy copies, three ways, checked and timed",
            """
            Copies N chunks eagerly (fresh chunk + memcpy) and lazily (a second mapping of the same frames), checks
            that lazy copies read exactly like eager ones before and after writes (plus a threaded differential test
            against an eager model), and times each step per chunk. The seed's claims, each with a verdict:
            lazy copying is much faster (at least 2x) than eager copying, and writing to a lazy copy is slower than
            writing to an eager copy (the first write pays for the copy).
              segv  the seed's method: read-only views; a SIGSEGV handler (native)
                    splits a view on its first write
              uffd  the same views, write-protected with userfaultfd; a server
                    thread splits them (needs root, or sysctl
                    vm.unprivileged_userfaultfd=1, or user-mode-only userfaultfd)
              kcow  memfd-backed chunks, MAP_PRIVATE copies: the kernel copies
                    one page per first write

            The cheapest first write is also compared with the kernel's own fork copy-on-write fault, measured in
            the same run (target: at most 2x). That verdict is a timing and does not change the exit status.
            """,
            """{"strategies":[{"name","chunk_bytes","chunks","eager_copy_ns","lazy_copy_ns","eager_first_write_ns","lazy_first_write_ns","later_write_ns","read_pass_ns","correct","splits","spare_splits",...}],"kernel_fork_cow_write_ns","best_first_write","best_first_write_vs_fork_cow"}: per-chunk medians in ns; "distribution" holds p10/p50/p90/p99/max of each step""",
            "vmlab lazycopy", "vmlab lazycopy --strategy segv --size 2M --chunks 16")
        {
            Tour = new(
                "Copy-on-write built by hand: a lazy copy is a second mapping of the same frames, made read-only; the " +
                "first write faults and the copy really happens then. Three mechanisms: the seed's SIGSEGV handler, " +
                "userfaultfd write-protect, and the kernel's own MAP_PRIVATE copy-on-write.",
                "--strategy", "all", "--size", "64K", "--chunks", "64"),
        }.Takes(strategy, size, chunks).Does(ctx =>
        {
            long bytes = ctx.Get(size);
            long count = ctx.Given(chunks) ? ctx.Get(chunks) : Math.Clamp((32L << 20) / bytes, 16, 256);
            if (bytes % PageSize.Value != 0)
                throw new UsageException($"--size must be a multiple of the page size ({PageSize.Value} bytes); got {bytes}");
            if (bytes * count > MaxTotalBytes)
                throw new UsageException($"--size x --chunks must be at most {Numbers.FormatSize(MaxTotalBytes)} per copy set (got {Numbers.FormatSize(bytes * count)})");
            string name = ctx.Get(strategy);
            List<LazyCopyStrategy> strategies = name == "all" ? [.. LazyCopyStrategies.All]
                : LazyCopyStrategies.TryParse(name, out var one) ? [one]
                : throw new UsageException($"--strategy must be segv, uffd, kcow or all (got '{name}')");
            Platform.RequireLinux("vmlab lazycopy");

            var rows = new List<StrategyResult>();
            foreach (var s in strategies)
            {
                if (!s.IsAvailable(out string reason))
                {
                    rows.Add(StrategyResult.Skipped(s, (int)bytes, (int)count, reason));
                    continue;
                }
                rows.Add(ctx.Progress($"lazycopy: measuring {s.Name()} ({count} chunks of {Numbers.FormatSize(bytes)})",
                    () => StrategyResult.From(LazyCopyExperiment.Run(s, (int)bytes, (int)count))));
            }
            // The kernel's own copy-on-write fault after fork, measured now: the yardstick for the cheapest split.
            double? forkCow = rows.Any(r => r.Unavailable is null)
                ? VmLab.Linux.Experiments.CowExperiment.Run(pages: 256, repeats: 3).FirstWriteNsPerPage
                : null;
            bool explicitUnavailable = strategies.Count == 1 && rows[0].Unavailable is not null;
            bool allHold = !explicitUnavailable && rows.All(r => r.Unavailable is not null || (r.Correct == true && r.Claims!.LazyCopyMuchFaster && r.Claims.LazyFirstWriteSlower));
            var best = rows.Where(r => r.LazyFirstWriteNs is not null).MinBy(r => r.LazyFirstWriteNs);
            var json = new LazyCopyJson(rows, forkCow, best?.Name, best is null || forkCow is null ? null : best.LazyFirstWriteNs / forkCow);
            return ctx.Emit(json, allHold, rep => Print(rep, rows, bytes, count, forkCow, best));
        });
    }

    private static void Print(Report rep, List<StrategyResult> rows, long size, long chunks, double? forkCow, StrategyResult? best)
    {
        rep.Title($"Lazy copying: {chunks} chunks of {Numbers.FormatSize(size)}, eager vs lazy copies");
        rep.Explain("An eager copy is a fresh chunk plus memcpy. A lazy copy maps the source's frames a second time " +
            "and defers the copy to the first write. The seed's claims: lazy copying is much faster than eager " +
            "copying, but writing to lazy copies is slower than writing to eager copies. Times are per chunk, in " +
            "microseconds; the table gives the median, the distribution its spread.");
        foreach (var r in rows)
        {
            rep.Section($"strategy {r.Name}");
            if (r.Unavailable is not null)
            {
                rep.Note($"skipped: {r.Unavailable}");
                continue;
            }
            var d = r.Distribution!;
            rep.Table(["step (per chunk)", "eager us", "lazy us", "lazy/eager"],
            [
                Row("copy", d["eager_copy"], d["lazy_copy"]),
                Row("read every cache line", d["eager_read_pass"], d["read_pass"]),
                Row("first write (one byte)", d["eager_first_write"], d["lazy_first_write"]),
                Row("then write every page", d["eager_write_pass"], d["later_write"]),
            ]);
            rep.Bars("median per chunk", [("eager copy", d["eager_copy"].P50 / 1000), ("lazy copy", d["lazy_copy"].P50 / 1000),
                ("eager first write", d["eager_first_write"].P50 / 1000), ("lazy first write", d["lazy_first_write"].P50 / 1000)], "us");
            rep.Line();
            rep.Line("  distribution (us): p10 / p50 / p90 / p99 / max");
            foreach (var (step, dist) in d)
                rep.Fact(step, $"{Us(dist.P10)} / {Us(dist.P50)} / {Us(dist.P90)} / {Us(dist.P99)} / {Us(dist.Max)}");
            rep.Fact("checks", $"reads match eager: {r.ReadsMatch}, sources intact: {r.SourcesIntact}, stress: {r.StressOperations} ops, {r.StressMismatches} mismatches");
            if (r.Splits > 0)
                rep.Fact("splits", $"{r.Splits} by the first writes, {r.SpareSplits} of them into pre-faulted spare memory (the rest mapped fresh frames)");
            var c = r.Claims!;
            rep.Verdict(r.Correct == true, r.Correct == true
                ? "lazy copies read exactly like eager copies, before and after writes, on several threads"
                : "a lazy copy read differently from its eager twin");
            rep.Verdict(c.LazyCopyMuchFaster, $"lazy copying is much faster than eager copying: {c.CopySpeedup:0.0}x (median {Us(r.LazyCopyNs)} vs {Us(r.EagerCopyNs)} us; 'much' = at least 2x)");
            rep.Verdict(c.LazyFirstWriteSlower, $"writing to a lazy copy is slower than writing to an eager copy: first write {Us(r.LazyFirstWriteNs)} vs {Us(r.EagerFirstWriteNs)} us ({c.FirstWriteSlowdown:0}x)");
        }
        if (best is null || forkCow is null)
            return;
        rep.Section("against the kernel's own copy-on-write");
        rep.Fact("fork COW fault", $"{Us(forkCow)} us per page (a child's first write to a page it shares with its parent, median of 3 x 256 pages)");
        double ratio = best.LazyFirstWriteNs!.Value / forkCow.Value;
        rep.Verdict(ratio <= 2, $"the cheapest first write to a lazy copy ({best.Name}, {Us(best.LazyFirstWriteNs)} us) is {ratio:0.0}x the kernel's fork COW fault; target: at most 2x (a timing, so not part of the exit status)");
    }

    private static string[] Row(string step, Distribution eager, Distribution lazy) =>
        [step, Us(eager.P50), Us(lazy.P50), eager.P50 > 0 ? (lazy.P50 / eager.P50).ToString("0.00", CultureInfo.InvariantCulture) : "-"];

    private static string Us(double? ns) => ns is null ? "-" : (ns.Value / 1000).ToString(ns < 10_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private sealed record LazyCopyJson(List<StrategyResult> Strategies, double? KernelForkCowWriteNs, string? BestFirstWrite, double? BestFirstWriteVsForkCow);

    private sealed record Claims(bool LazyCopyMuchFaster, double CopySpeedup, bool LazyFirstWriteSlower, double FirstWriteSlowdown);

    private sealed record StrategyResult(
        string Name, int ChunkBytes, int Chunks,
        double? EagerCopyNs, double? LazyCopyNs, double? EagerFirstWriteNs, double? LazyFirstWriteNs,
        double? LaterWriteNs, double? ReadPassNs, bool? Correct,
        double? EagerReadPassNs, double? EagerWritePassNs, bool? ReadsMatch, bool? SourcesIntact,
        long? StressOperations, long? StressMismatches, Claims? Claims,
        Dictionary<string, Distribution>? Distribution, string? Unavailable, long? Splits = null, long? SpareSplits = null)
    {
        public static StrategyResult Skipped(LazyCopyStrategy s, int size, int chunks, string reason) =>
            new(s.Name(), size, chunks, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, reason);

        public static StrategyResult From(LazyCopyMeasurement m) => new(
            m.Strategy.Name(), m.ChunkBytes, m.Chunks,
            m.EagerCopy.P50, m.LazyCopy.P50, m.EagerFirstWrite.P50, m.LazyFirstWrite.P50,
            m.LaterWritePass.P50, m.LazyReadPass.P50, m.Correct,
            m.EagerReadPass.P50, m.EagerWritePass.P50, m.ReadsMatch, m.SourcesIntact,
            m.StressOperations, m.StressMismatches,
            new Claims(m.LazyCopy.P50 * 2 <= m.EagerCopy.P50, m.EagerCopy.P50 / m.LazyCopy.P50,
                m.LazyFirstWrite.P50 > m.EagerFirstWrite.P50, m.LazyFirstWrite.P50 / m.EagerFirstWrite.P50),
            new Dictionary<string, Distribution>
            {
                ["eager_copy"] = m.EagerCopy,
                ["lazy_copy"] = m.LazyCopy,
                ["eager_read_pass"] = m.EagerReadPass,
                ["read_pass"] = m.LazyReadPass,
                ["eager_first_write"] = m.EagerFirstWrite,
                ["lazy_first_write"] = m.LazyFirstWrite,
                ["eager_write_pass"] = m.EagerWritePass,
                ["later_write"] = m.LaterWritePass,
            },
            null, m.Splits, m.SpareSplits);
    }
}

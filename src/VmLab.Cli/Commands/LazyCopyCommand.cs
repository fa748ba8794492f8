using System.Globalization;
using VmLab.Linux;
using VmLab.Linux.LazyCopy;
using VmLab.Linux.Timing;
using LinuxVerdict = VmLab.Linux.Timing.Verdict;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab lazycopy</c>: the seed's lazy-copy test and timing comparison, per strategy and chunk size.</summary>
internal static class LazyCopyCommand
{
    // The chunks one run measures, each size's warm-up chunks (up to 2) included: 256 MiB of 64 MiB chunks held
    // 1.2 GB; at 192 MiB the worst mix (32M x 4, 48M x 2, 64M x 1) holds 650 MB and takes 9 s of CPU.
    private const long MaxTotalBytes = 192L << 20, MaxChunkBytes = 64L << 20;

    public static Verb Create()
    {
        var strategy = Opt.Choice("--strategy", "one strategy, or all", "all", "segv", "uffd", "kcow", "all");
        var sizes = Opt.Parsed<SizeList?>("--sizes", "chunk sizes, comma-separated multiples of the page size (default 4K,16K,64K,256K,1M,2M,8M)", "LIST", null, t => new SizeList(ParseSizes(t, "--sizes")));
        var size = Opt.Parsed<SizeList?>("--size", "one chunk size (the same as --sizes with one size)", "SIZE", null, t => new SizeList(ParseSizes(t, "--size")));
        // No numeric fallback: the default depends on the size (32 MiB worth, 8 to 64), so help says that instead of a number.
        var chunks = Opt.Parsed<int?>("--chunks", "chunks per size, 1 to 16384 [default: 32 MiB worth, 8 to 64: 64 at 64K, 16 at 2M]", "N", null, t =>
        {
            ulong v = Numbers.Parse(t, "--chunks");
            return v is >= 1 and <= 16384 ? (int)v : throw new UsageException($"--chunks must be between 1 and 16384 (got {Numbers.Clip(t)})");
        });
        return new Verb("lazycopy", "copy-on-write chunks: eager vs lazy copies, three ways, checked, timed and swept over sizes",
            """
            Copies chunks eagerly (fresh chunk + memcpy) and lazily (a second mapping of the same frames), checks that
            lazy copies read exactly like eager ones before and after writes (plus a threaded differential test
            against an eager model), and times every step per chunk, interleaved: each eager step is paired with the
            lazy one done right before or after it (order swapped every round), and the verdicts come from the
            per-pair ratios (median and interquartile range), so a machine whose speed changes from one minute to
            the next cannot flip them. The seed's claims: lazy copying is much faster than eager copying (at least
            2x in three pairs of four: the lower quartile), and writing to a lazy copy is slower than writing to an
            eager copy (the first write pays).
            Over the sweep a cost model is fitted per strategy (a lazy copy's fixed cost against an eager copy's
            cost per byte) and gives the crossover: the size from which lazy copying wins.
              segv  the seed's method: read-only views; a SIGSEGV handler (native)
                    splits a view on its first write
              uffd  the same views, write-protected with userfaultfd; a server
                    thread splits them (needs root, or sysctl
                    vm.unprivileged_userfaultfd=1, or user-mode-only userfaultfd)
              kcow  memfd-backed chunks, MAP_PRIVATE copies: the kernel copies
                    one page per first write

            The cheapest first write is also compared with the kernel's own fork copy-on-write fault, in
            alternating rounds (target: at most 2x). A timing claim that does not hold on this machine is
            EXPLAINED, with the reason computed from the run, and keeps exit 0; a lazy copy that reads wrong is
            FAILED and exits 1.
            Chunk sizes are at most 64M, and the chunks of a whole sweep (size x chunks, plus two warm-up chunks per
            size) at most 192M.
            """ + "\n" + Budget.Help,
            """{"strategies":[{"name","chunk_bytes","chunks","eager_copy_ns","lazy_copy_ns","eager_first_write_ns","lazy_first_write_ns","later_write_ns","read_pass_ns","correct","splits","spare_splits",...}],"sweep":[{"name","chunk_bytes","eager_copy_ns","lazy_copy_ns","lazy_first_write_ns","lazy_vs_eager":{"median","q1","q3"}}],"crossover_bytes":{"segv","uffd","kcow"},"cost_model","kernel_fork_cow_write_ns","best_first_write","best_first_write_vs_fork_cow","verdicts":[{"claim","status","reason"}]}: per-chunk medians in ns; "distribution" holds p10/p50/p90/p99/max of each step""",
            "vmlab lazycopy", "vmlab lazycopy --sizes 64K,2M", "vmlab lazycopy --strategy segv --size 2M --chunks 16")
        {
            Linux = true,
            Tour = new(
                "Copy-on-write built by hand: a lazy copy is a second mapping of the same frames, made read-only; the " +
                "first write faults and the copy really happens then. Three mechanisms: the seed's SIGSEGV handler, " +
                "userfaultfd write-protect, and the kernel's own MAP_PRIVATE copy-on-write; at 64 KiB and at 2 MiB.",
                "--strategy", "all", "--sizes", "64K,2M", "--chunks", "16"),
        }.Takes(strategy, sizes, size, chunks).Does(ctx =>
        {
            if (ctx.Given(size) && ctx.Given(sizes))
                throw new UsageException("give --size or --sizes, not both");
            List<int> swept = (ctx.Given(size) ? ctx.Get(size) : ctx.Given(sizes) ? ctx.Get(sizes) : null)?.Bytes ?? [.. LazyCopySweep.DefaultSizes];
            int? count = ctx.Get(chunks);
            long total = swept.Sum(s => (long)s * (count ?? LazyCopySweep.DefaultChunks(s)) + (long)s * Math.Min(count ?? LazyCopySweep.DefaultChunks(s), 2));
            if (total > MaxTotalBytes)
                throw new UsageException($"the sweep measures {Numbers.FormatSize(total)} of chunks (size x (chunks + 2 warm-up) over --sizes); at most {Numbers.FormatSize(MaxTotalBytes)}");
            string name = ctx.Get(strategy);
            List<LazyCopyStrategy> strategies = name == "all" ? [.. LazyCopyStrategies.All]
                : LazyCopyStrategies.TryParse(name, out var one) ? [one]
                : throw new UsageException($"--strategy must be segv, uffd, kcow or all (got '{name}')");

            var result = ctx.Progress($"lazycopy: measuring {name} at {string.Join(", ", swept.Select(b => LazyCopyJudge.Size(b)))}",
                () => LazyCopySweep.Run(strategies, swept, count));
            var report = LazyCopyReport.From(result, strategies, swept, count);
            bool explicitUnavailable = strategies.Count == 1 && result.Unavailable.Count == 1;
            return ctx.Emit(report, !explicitUnavailable && LinuxVerdict.ExitCode(result.Verdicts) == 0, rep => Print(rep, report, result));
        });
    }

    /// <summary>Chunk sizes as given (one option value; not a collection, so it takes exactly one token).</summary>
    private sealed record SizeList(List<int> Bytes);

    internal static List<int> ParseSizes(string text, string option)
    {
        var sizes = new List<int>();
        foreach (string token in text.Split(',', StringSplitOptions.TrimEntries))
        {
            long v = Numbers.ParseSize(token, option);
            if (v < PageSize.Value || v > MaxChunkBytes)
                throw new UsageException($"{option} must be between {Numbers.FormatSize(PageSize.Value)} and {Numbers.FormatSize(MaxChunkBytes)} (got {Numbers.Clip(token)})");
            if (v % PageSize.Value != 0)
                throw new UsageException($"{option} must be a multiple of the page size ({PageSize.Value} bytes); got {v}");
            if (!sizes.Contains((int)v))
                sizes.Add((int)v);
        }
        if (sizes.Count > 16)
            throw new UsageException($"{option}: at most 16 sizes (got {sizes.Count})");
        sizes.Sort();
        return sizes;
    }

    private static void Print(Report rep, LazyCopyReport j, LazyCopySweepResult result)
    {
        rep.Title($"Lazy copying: eager vs lazy copies at {string.Join(", ", j.Sweep.Select(s => s.ChunkBytes).Distinct().Select(b => LazyCopyJudge.Size(b)))}");
        rep.Explain("An eager copy is a fresh chunk plus memcpy. A lazy copy maps the source's frames a second time " +
            "and defers the copy to the first write. Each eager step was measured next to a lazy one (order swapped " +
            "every round); eager/lazy is the median of those per-pair ratios, with its interquartile range. " +
            "The bars: right of | lazy copying is faster, left of | it is slower.");
        foreach (var row in j.Strategies.Where(r => r.Unavailable is not null))
            rep.Note($"{row.Name} skipped: {row.Unavailable}");
        foreach (var group in j.Sweep.GroupBy(s => s.Name))
        {
            rep.Section($"strategy {group.Key}");
            rep.Table(["chunk", "eager copy us", "lazy copy us", "1st write us", "eager/lazy", "IQR"],
                group.Select(s => (IReadOnlyList<string>)[Short(s.ChunkBytes), Us(s.EagerCopyNs), Us(s.LazyCopyNs),
                    Us(s.LazyFirstWriteNs), F(s.LazyVsEager.Median), $"{F(s.LazyVsEager.Q1)}-{F(s.LazyVsEager.Q3)}"]));
            rep.Line($"  {"",6} {"lazy slower <-",20}|-> lazy faster (eager/lazy, 3 marks per doubling)");
            foreach (var s in group)
                rep.Line($"  {Short(s.ChunkBytes),6} {VerdictLines.Bar(s.LazyVsEager.Median)}");
            rep.Line();
            var stats = j.Strategies.Where(r => r.Name == group.Key).ToList();
            rep.Fact("checks", $"reads match eager: {stats.All(r => r.ReadsMatch == true)}, sources intact: {stats.All(r => r.SourcesIntact == true)}, stress: {stats.Sum(r => r.StressOperations)} ops, {stats.Sum(r => r.StressMismatches)} mismatches");
            if (j.CostModel.TryGetValue(group.Key, out var m) && m is not null)
            {
                rep.Fact("cost model (this run)", $"eager {m.EagerUsPerKib:0.###} us per KiB; lazy {Us(m.LazyFixedNs)} us + {m.LazyUsPerKib:0.###} us per KiB (fitted to the per-pair ratios)");
                rep.Fact("lazy copying wins from", j.CrossoverBytes[group.Key] is long c ? LazyCopyJudge.Size(c) : "no swept size");
            }
        }
        if (j.KernelForkCowWriteNs is double fc && result.Yardstick is { } y)
        {
            rep.Section("against the kernel's own copy-on-write");
            rep.Fact("fork COW fault", $"{Us(fc)} us per page (a child's first write to a page it shares with its parent), beside {y.Best.Name()}'s first write at {LazyCopyJudge.Size(y.ChunkBytes)}, {Us(y.FirstWriteNs)} us, in alternating rounds");
        }
        VerdictLines.Write(rep, result.Verdicts);
    }

    /// <summary>4K, 64K, 2M: a size without spaces, so table columns never break it.</summary>
    private static string Short(long bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20}M" : bytes % 1024 == 0 ? $"{bytes >> 10}K" : $"{bytes}";

    private static string F(double x) => x.ToString(x < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Us(double? ns) => ns is null ? "-" : (ns.Value / 1000).ToString(ns < 10_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}

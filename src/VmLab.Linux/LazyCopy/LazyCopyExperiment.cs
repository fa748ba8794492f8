using System.Diagnostics;

namespace VmLab.Linux.LazyCopy;

/// <summary>Percentiles of one per-chunk measurement, in nanoseconds.</summary>
public sealed record Distribution(double P10, double P50, double P90, double P99, double Max)
{
    public static Distribution Of(IReadOnlyList<double> samples)
    {
        var s = samples.Order().ToArray();
        double At(double q) => s.Length == 0 ? 0 : s[Math.Min(s.Length - 1, (int)Math.Floor(q * (s.Length - 1) + 0.5))];
        return new Distribution(At(0.10), At(0.50), At(0.90), At(0.99), s.Length == 0 ? 0 : s[^1]);
    }
}

/// <summary>What one strategy did on N chunks: per-chunk timings (ns) and whether every check held.</summary>
public sealed record LazyCopyMeasurement(
    LazyCopyStrategy Strategy,
    int ChunkBytes,
    int Chunks,
    Distribution EagerCopy,
    Distribution LazyCopy,
    Distribution EagerReadPass,
    Distribution LazyReadPass,
    Distribution EagerFirstWrite,
    Distribution LazyFirstWrite,
    Distribution EagerWritePass,
    Distribution LaterWritePass,
    bool ReadsMatch,
    bool SourcesIntact,
    long StressOperations,
    long StressMismatches,
    long Splits = 0,
    long SpareSplits = 0)
{
    /// <summary>Every check held: lazy copies read like eager ones before and after writes, sources never
    /// changed, and the threaded differential test found no mismatch.</summary>
    public bool Correct => ReadsMatch && SourcesIntact && StressMismatches == 0;
}

/// <summary>
/// The seed's test and timing comparison, for one strategy: make N source chunks, copy each eagerly and lazily,
/// read every copy, write each copy once (the lazy copy's first write pays the split), then write every page of
/// it (what is left of the copying). Each step is timed per chunk. A warm-up round runs first. The allocator has
/// its default spare pool, refilled in the background as the run goes (<see cref="LazyCopyMeasurement.SpareSplits"/>
/// says how many splits found a spare); a burst of splits longer than the pool maps fresh frames for the rest.
/// </summary>
public static class LazyCopyExperiment
{
    public static LazyCopyMeasurement Run(LazyCopyStrategy strategy, int chunkBytes, int chunks, int seed = 1)
    {
        Measure(strategy, chunkBytes, Math.Min(chunks, 8), seed);   // warm-up: JIT, first-touch of the allocator
        return Measure(strategy, chunkBytes, chunks, seed);
    }

    private static unsafe LazyCopyMeasurement Measure(LazyCopyStrategy strategy, int chunkBytes, int n, int seed)
    {
        using var a = new ChunkAllocator(strategy, chunkBytes);
        int pages = chunkBytes / PageSize.Value;
        var r = new Random(seed);
        var sources = new Chunk[n];
        var originals = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            sources[i] = a.Allocate();
            r.NextBytes(sources[i].Span);
            originals[i] = sources[i].Span.ToArray();
        }

        var eager = new Chunk[n];
        var lazy = new Chunk[n];
        var eagerCopy = Time(n, i => eager[i] = a.CopyEager(sources[i]));
        var lazyCopy = Time(n, i => lazy[i] = a.CopyLazy(sources[i]));
        long sink = 0;
        var eagerRead = Time(n, i => sink += ReadPass(eager[i]));
        var lazyRead = Time(n, i => sink += ReadPass(lazy[i]));
        bool readsMatch = Enumerable.Range(0, n).All(i => lazy[i].Span.SequenceEqual(eager[i].Span));

        var offsets = Enumerable.Range(0, n).Select(_ => r.Next(chunkBytes)).ToArray();
        var eagerFirst = Time(n, i => eager[i].Pointer[offsets[i]] ^= 0x5a);
        var statsBefore = NativeViewBackend.ReadStats();
        var lazyFirst = Time(n, i => lazy[i].Pointer[offsets[i]] ^= 0x5a);
        var statsAfter = NativeViewBackend.ReadStats();
        var eagerPass = Time(n, i => WritePass(eager[i], pages));
        var laterPass = Time(n, i => WritePass(lazy[i], pages));
        readsMatch &= Enumerable.Range(0, n).All(i => lazy[i].Span.SequenceEqual(eager[i].Span));
        bool intact = Enumerable.Range(0, n).All(i => sources[i].Span.SequenceEqual(originals[i]));
        GC.KeepAlive(sink);

        var (ops, mismatches) = LazyCopyStress.Run(strategy, Math.Min(chunkBytes, 64 * 1024), slots: 32, threads: 4, opsPerThread: 400, seed);
        return new LazyCopyMeasurement(strategy, chunkBytes, n, eagerCopy, lazyCopy, eagerRead, lazyRead, eagerFirst, lazyFirst,
            eagerPass, laterPass, readsMatch, intact, ops, mismatches,
            // The native counters are process-wide and only segv and uffd split in user space: kcow reports none.
            strategy == LazyCopyStrategy.Kcow ? 0 : statsAfter.Splits - statsBefore.Splits,
            strategy == LazyCopyStrategy.Kcow ? 0 : statsAfter.SpareSplits - statsBefore.SpareSplits);
    }

    /// <summary>Reads one long from every 64 bytes (every cache line) of the chunk.</summary>
    private static unsafe long ReadPass(Chunk c)
    {
        long sum = 0;
        long* p = (long*)c.Pointer;
        for (int i = 0; i < c.Length / 8; i += 8)
            sum += p[i];
        return sum;
    }

    /// <summary>Writes one byte into every page of the chunk.</summary>
    private static unsafe void WritePass(Chunk c, int pages)
    {
        byte* p = c.Pointer;
        for (int i = 0; i < pages; i++)
            p[i * PageSize.Value + 64] ^= 0x33;
    }

    private static Distribution Time(int n, Action<int> step)
    {
        var samples = new double[n];
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            step(i);
            samples[i] = (Stopwatch.GetTimestamp() - t0) * nsPerTick;
        }
        return Distribution.Of(samples);
    }
}

using VmLab.Linux.Timing;

namespace VmLab.Linux.LazyCopy;

/// <summary>Percentiles of one per-chunk measurement, in nanoseconds.</summary>
public sealed record Distribution(double P10, double P50, double P90, double P99, double Max)
{
    /// <summary>The percentiles of <paramref name="samples"/> (nearest rank; all zero for no samples).</summary>
    public static Distribution Of(IReadOnlyList<double> samples)
    {
        var s = samples.Order().ToArray();
        double At(double q) => s.Length == 0 ? 0 : s[Math.Min(s.Length - 1, (int)Math.Floor(q * (s.Length - 1) + 0.5))];
        return new Distribution(At(0.10), At(0.50), At(0.90), At(0.99), s.Length == 0 ? 0 : s[^1]);
    }
}

/// <summary>What one strategy did on N chunks of one size: per-chunk timings (ns), each eager step paired with
/// the lazy one measured right after or before it, and whether every check held.</summary>
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
    long SpareSplits = 0,
    int Rounds = 1,
    Spread? CopySpeedup = null,
    Spread? FirstWriteSlowdown = null)
{
    /// <summary>Every check held: lazy copies read like eager ones before and after writes, sources never
    /// changed, and the threaded differential test found no mismatch.</summary>
    public bool Correct => ReadsMatch && SourcesIntact && StressMismatches == 0;

    /// <summary>Eager copy time / lazy copy time, per interleaved pair.</summary>
    public Spread LazyVsEager => CopySpeedup ?? new Spread(0, 0, 0);

    /// <summary>Lazy first write / eager first write, per interleaved pair.</summary>
    public Spread FirstWriteLazyVsEager => FirstWriteSlowdown ?? new Spread(0, 0, 0);
}

/// <summary>
/// The seed's test and timing comparison, for one strategy and chunk size, measured interleaved: in rounds of a
/// few chunks, every step is done to an eager copy and a lazy copy back to back (the order swapped each round),
/// so each eager/lazy ratio comes from one moment of the machine. Steps: copy, read every cache line, write one
/// byte (the lazy copy's first write pays the split), write every page. Each round's chunks are freed after it.
/// A warm-up round runs first and is discarded.
/// </summary>
public static class LazyCopyExperiment
{
    /// <summary>Chunks per round: small, so the two sides of a pair stay close and memory stays bounded.</summary>
    public static int RoundsFor(int chunks) => Math.Clamp(chunks / 4, 1, 8);

    /// <summary>
    /// Measures <paramref name="chunks"/> chunks (at least 1) of <paramref name="chunkBytes"/> bytes with
    /// <paramref name="strategy"/>, eager and lazy interleaved, after one discarded warm-up round; with
    /// <paramref name="stress"/> also runs the threaded differential test (seeded by <paramref name="seed"/>). Throws
    /// <see cref="ArgumentOutOfRangeException"/> for no chunks or a bad chunk size,
    /// <see cref="PlatformNotSupportedException"/> off Linux.
    /// </summary>
    public static LazyCopyMeasurement Run(LazyCopyStrategy strategy, int chunkBytes, int chunks, int seed = 1, bool stress = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunks);
        using var a = new ChunkAllocator(strategy, chunkBytes);
        var warm = new Steps(a, seed);
        warm.Round(0, Math.Min(chunks, 2), 0);   // JIT, the allocator's first mappings, the spare pool
        var steps = new Steps(a, seed);
        int rounds = RoundsFor(chunks);
        var before = NativeViewBackend.ReadStats();
        for (int r = 0, first = 0; r < rounds; r++)
        {
            int n = chunks / rounds + (r < chunks % rounds ? 1 : 0);
            steps.Round(r, n, first);
            first += n;
        }
        var after = NativeViewBackend.ReadStats();
        steps.ReadsMatch &= warm.ReadsMatch;
        steps.SourcesIntact &= warm.SourcesIntact;
        var (ops, mismatches) = stress
            ? LazyCopyStress.Run(strategy, Math.Min(chunkBytes, 64 * 1024), slots: 32, threads: 4, opsPerThread: 400, seed)
            : new LazyCopyStress.Result(0, 0, 0, 0, 0);
        var copy = steps.Copy.ToTimings();
        var read = steps.Read.ToTimings();
        var firstWrite = steps.FirstWrite.ToTimings();
        var pass = steps.WritePass.ToTimings();
        // The native counters are process-wide and only segv and uffd split in user space: kcow reports none.
        bool counts = strategy != LazyCopyStrategy.Kcow;
        return new LazyCopyMeasurement(strategy, chunkBytes, chunks,
            Distribution.Of(copy.A), Distribution.Of(copy.B), Distribution.Of(read.A), Distribution.Of(read.B),
            Distribution.Of(firstWrite.A), Distribution.Of(firstWrite.B), Distribution.Of(pass.A), Distribution.Of(pass.B),
            steps.ReadsMatch, steps.SourcesIntact, ops, mismatches,
            counts ? after.Splits - before.Splits : 0, counts ? after.SpareSplits - before.SpareSplits : 0,
            rounds, copy.AOverB, firstWrite.BOverA);
    }

    /// <summary>One measurement's state: the pairs of each step (A = eager, B = lazy) and the checks so far.</summary>
    private sealed unsafe class Steps(ChunkAllocator a, int seed)
    {
        public readonly PairRecorder Copy = new(), Read = new(), FirstWrite = new(), WritePass = new();
        public bool ReadsMatch = true, SourcesIntact = true;
        private byte[]? _expected;

        public void Round(int round, int n, int firstIndex)
        {
            var sources = new Chunk[n];
            var eager = new Chunk?[n];
            var lazy = new Chunk?[n];
            try
            {
                for (int i = 0; i < n; i++)
                {
                    sources[i] = a.Allocate();
                    Fill(firstIndex + i, sources[i].Span);
                }
                long sink = 0;
                for (int i = 0; i < n; i++)
                    Add(Copy, Interleaved.Pair(round,
                        () => Clock.Time(() => eager[i] = a.CopyEager(sources[i])),
                        () => Clock.Time(() => lazy[i] = a.CopyLazy(sources[i]))));
                for (int i = 0; i < n; i++)
                    Add(Read, Interleaved.Pair(round,
                        () => Clock.Time(() => sink += ReadPass(eager[i]!)),
                        () => Clock.Time(() => sink += ReadPass(lazy[i]!))));
                for (int i = 0; i < n; i++)
                    ReadsMatch &= lazy[i]!.Span.SequenceEqual(eager[i]!.Span);
                var r = new Random(seed + firstIndex);
                for (int i = 0; i < n; i++)
                {
                    int offset = r.Next(a.ChunkBytes);
                    Add(FirstWrite, Interleaved.Pair(round,
                        () => Clock.Time(() => eager[i]!.Pointer[offset] ^= 0x5a),
                        () => Clock.Time(() => lazy[i]!.Pointer[offset] ^= 0x5a)));
                }
                for (int i = 0; i < n; i++)
                    Add(WritePass, Interleaved.Pair(round,
                        () => Clock.Time(() => WritePages(eager[i]!)),
                        () => Clock.Time(() => WritePages(lazy[i]!))));
                for (int i = 0; i < n; i++)
                {
                    ReadsMatch &= lazy[i]!.Span.SequenceEqual(eager[i]!.Span);
                    Fill(firstIndex + i, _expected ??= new byte[a.ChunkBytes]);
                    SourcesIntact &= sources[i].Span.SequenceEqual(_expected);
                }
                GC.KeepAlive(sink);
            }
            finally
            {
                foreach (var c in lazy.Concat(eager).Concat(sources))
                    c?.Dispose();
            }
        }

        private static void Add(PairRecorder rec, (double A, double B) pair) => rec.Add(pair.A, pair.B);

        /// <summary>The bytes of source <paramref name="index"/>: seeded, so they can be made again to check it.</summary>
        private void Fill(int index, Span<byte> bytes) => new Random(seed * 7919 + index).NextBytes(bytes);
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
    private static unsafe void WritePages(Chunk c)
    {
        byte* p = c.Pointer;
        for (int i = 0; i < c.Length / PageSize.Value; i++)
            p[i * PageSize.Value + 64] ^= 0x33;
    }
}

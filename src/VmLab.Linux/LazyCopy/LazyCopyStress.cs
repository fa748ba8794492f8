namespace VmLab.Linux.LazyCopy;

/// <summary>
/// The differential test: several threads apply random allocate / copy eager / copy lazy / write / read / free
/// operations to a shared set of slots, each operation to the real chunks and to a model of plain byte arrays
/// (what eager copying would give). A read that differs from the model is a mismatch. Seeded per thread.
/// </summary>
public static class LazyCopyStress
{
    /// <summary>What a run did: operations, reads that disagreed with the model, and how much of the mechanism
    /// it exercised (lazy copies made, whole-chunk comparisons, writes into a chunk that still shared frames).</summary>
    public sealed record Result(long Operations, long Mismatches, long LazyCopies, long Comparisons, long SplittingWrites)
    {
        /// <summary>Operations and mismatches, for <c>var (ops, bad) = LazyCopyStress.Run(...)</c>.</summary>
        public void Deconstruct(out long operations, out long mismatches) => (operations, mismatches) = (Operations, Mismatches);
    }

    private sealed class Counters
    {
        public long Mismatches, LazyCopies, Comparisons, SplittingWrites;
    }

    private sealed class Slot
    {
        public readonly Lock Lock = new();
        public Chunk? Chunk;
        public byte[]? Model;
    }

    /// <summary>Runs the test and returns how many operations ran and how many reads disagreed with the model.</summary>
    /// <remarks>An exception on a worker thread stops that worker and is rethrown here (an AggregateException)
    /// after all have finished, instead of ending the process.</remarks>
    public static Result Run(LazyCopyStrategy strategy, int chunkBytes, int slots, int threads, int opsPerThread, int seed)
    {
        using var allocator = new ChunkAllocator(strategy, chunkBytes);
        var table = Enumerable.Range(0, slots).Select(_ => new Slot()).ToArray();
        long ops = 0;
        var n = new Counters();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                var r = new Random(seed + t);
                for (int k = 0; k < opsPerThread; k++)
                {
                    Step(allocator, table, r, n);
                    Interlocked.Increment(ref ops);
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        if (!errors.IsEmpty)
            throw new AggregateException(errors);
        foreach (var s in table)
        {
            if (s.Chunk is not null && !s.Chunk.Span.SequenceEqual(s.Model))
                n.Mismatches++;
        }
        return new Result(ops, n.Mismatches, n.LazyCopies, n.Comparisons, n.SplittingWrites);
    }

    private static void Step(ChunkAllocator a, Slot[] table, Random r, Counters n)
    {
        int op = r.Next(100), i = r.Next(table.Length), j = r.Next(table.Length);
        if (op < 35 && i != j)
        {
            // A copy: source i, destination j, both locked in index order.
            Slot lo = table[Math.Min(i, j)], hi = table[Math.Max(i, j)], src = table[i], dst = table[j];
            lock (lo.Lock)
            lock (hi.Lock)
            {
                if (src.Chunk is null || dst.Chunk is not null)
                    return;
                dst.Chunk = op < 25 ? a.CopyLazy(src.Chunk) : a.CopyEager(src.Chunk);
                if (op < 25)
                    Interlocked.Increment(ref n.LazyCopies);
                dst.Model = (byte[])src.Model!.Clone();
            }
            return;
        }
        var s = table[i];
        lock (s.Lock)
        {
            if (s.Chunk is null)
            {
                if (op < 60)
                {
                    s.Chunk = a.Allocate();
                    s.Model = new byte[a.ChunkBytes];
                }
                return;
            }
            if (op < 65)
            {
                int at = r.Next(a.ChunkBytes), len = Math.Min(1 + r.Next(64), a.ChunkBytes - at);
                Span<byte> bytes = stackalloc byte[len];
                r.NextBytes(bytes);
                if (s.Chunk.IsShared)
                    Interlocked.Increment(ref n.SplittingWrites);
                bytes.CopyTo(s.Chunk.Span.Slice(at, len));
                bytes.CopyTo(s.Model.AsSpan(at, len));
            }
            else if (op < 90)
            {
                Interlocked.Increment(ref n.Comparisons);
                if (!s.Chunk.Span.SequenceEqual(s.Model))
                    Interlocked.Increment(ref n.Mismatches);
            }
            else
            {
                s.Chunk.Dispose();
                s.Chunk = null;
                s.Model = null;
            }
        }
    }
}

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// The differential test: several threads apply random allocate / copy eager / copy lazy / write / read / free
/// operations to a shared set of slots, each operation to the real chunks and to a model of plain byte arrays
/// (what eager copying would give). A read that differs from the model is a mismatch. Seeded per thread.
/// </summary>
public static class LazyCopyStress
{
    private sealed class Slot
    {
        public readonly Lock Lock = new();
        public Chunk? Chunk;
        public byte[]? Model;
    }

    /// <summary>Runs the test and returns how many operations ran and how many reads disagreed with the model.</summary>
    public static (long Operations, long Mismatches) Run(LazyCopyStrategy strategy, int chunkBytes, int slots, int threads, int opsPerThread, int seed)
    {
        using var allocator = new ChunkAllocator(strategy, chunkBytes);
        var table = Enumerable.Range(0, slots).Select(_ => new Slot()).ToArray();
        long ops = 0, mismatches = 0;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var r = new Random(seed + t);
            for (int n = 0; n < opsPerThread; n++)
            {
                Step(allocator, table, r, ref mismatches);
                Interlocked.Increment(ref ops);
            }
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        foreach (var s in table)
        {
            if (s.Chunk is not null && !s.Chunk.Span.SequenceEqual(s.Model))
                mismatches++;
        }
        return (ops, mismatches);
    }

    private static void Step(ChunkAllocator a, Slot[] table, Random r, ref long mismatches)
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
                bytes.CopyTo(s.Chunk.Span.Slice(at, len));
                bytes.CopyTo(s.Model.AsSpan(at, len));
            }
            else if (op < 90)
            {
                if (!s.Chunk.Span.SequenceEqual(s.Model))
                    Interlocked.Increment(ref mismatches);
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

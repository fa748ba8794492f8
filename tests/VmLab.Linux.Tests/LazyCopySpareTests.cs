using VmLab.Linux.LazyCopy;

namespace VmLab.Linux.Tests;

/// <summary>The spare pool behind segv and uffd splits: pre-faulted memory that a split copies into instead of
/// mapping fresh frames. Spares must never change what a chunk reads, and must all be gone with their allocator.
/// Each test uses a chunk size no other test uses, so the process-wide pools do not mix.</summary>
[Collection(MemoryCountingCollection.Name)]
public class LazyCopySpareTests
{
    private static readonly TimeSpan Fill = TimeSpan.FromSeconds(10);

    [Theory, StrategyData("segv"), StrategyData("uffd")]
    public void A_split_into_a_spare_reads_exactly_like_an_eager_copy(string strategy)
    {
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        const int bytes = 7 * 4096;
        using var a = new ChunkAllocator(s, bytes, spareChunks: 4);
        Assert.True(ChunkAllocator.WaitForSpares(Fill));
        var r = new Random(7);
        var src = a.Allocate();
        r.NextBytes(src.Span);
        var eager = a.CopyEager(src);
        var lazy = a.CopyLazy(src);
        var before = SegvBackend.ReadStats();
        lazy.Span[5 * 4096 + 3] ^= 0xff;                 // split, into a spare
        var after = SegvBackend.ReadStats();
        Assert.Equal(1, after.SpareSplits - before.SpareSplits);
        eager.Span[5 * 4096 + 3] ^= 0xff;
        Assert.True(lazy.Span.SequenceEqual(eager.Span));
        eager.Span[5 * 4096 + 3] ^= 0xff;
        Assert.True(src.Span.SequenceEqual(eager.Span));  // the source kept its bytes
    }

    [LinuxFact]
    public void A_freed_chunk_becomes_a_spare_and_its_old_bytes_never_show_through()
    {
        const int bytes = 9 * 4096;
        using var a = new ChunkAllocator(LazyCopyStrategy.Segv, bytes, spareChunks: 2);
        Assert.True(ChunkAllocator.WaitForSpares(Fill));
        // The refill thread tops the pool up once splits have been quiet for 1 ms; when it wins that race (a slow
        // moment between the drain and the free) the pool is full and the free rightly unmaps, so try again.
        var before = SegvBackend.ReadStats();
        long recycled = 0;
        for (int attempt = 0; attempt < 20 && recycled == 0; attempt++)
        {
            var drain = Enumerable.Range(0, 2).Select(_ => a.Allocate()).ToList();
            foreach (var d in drain) a.CopyLazy(d).Span[0] = 1;  // two splits empty the pool
            before = SegvBackend.ReadStats();
            var old = a.Allocate();
            old.Span.Fill(0xEE);
            old.Dispose();                                       // owned its frames: kept as a spare
            recycled = SegvBackend.ReadStats().Recycled - before.Recycled;
        }
        Assert.Equal(1, recycled);

        var src = a.Allocate();
        src.Span.Fill(0x11);
        var lazy = a.CopyLazy(src);
        lazy.Span[bytes - 1] = 0x22;                          // split into the recycled spare
        Assert.True(SegvBackend.ReadStats().SpareSplits > before.SpareSplits);
        Assert.Equal(bytes - 1, lazy.Span.IndexOfAnyExcept((byte)0x11));
        Assert.Equal(-1, src.Span.IndexOfAnyExcept((byte)0x11));
    }

    [LinuxFact]
    public void Without_spares_a_split_maps_fresh_frames()
    {
        using var a = new ChunkAllocator(LazyCopyStrategy.Segv, 11 * 4096, spareChunks: 0);
        Assert.Equal(0, a.SpareChunks);
        var before = SegvBackend.ReadStats();
        var src = a.Allocate();
        a.CopyLazy(src).Span[100] = 1;
        var after = SegvBackend.ReadStats();
        Assert.Equal(1, after.Splits - before.Splits);
        Assert.Equal(0, after.SpareSplits - before.SpareSplits);
    }

    [LinuxFact]
    public void Disposing_the_allocator_unmaps_every_spare()
    {
        const int bytes = 13 * 4096;
        var a = new ChunkAllocator(LazyCopyStrategy.Segv, bytes, spareChunks: 5);
        Assert.True(ChunkAllocator.WaitForSpares(Fill));
        Assert.Equal(5, SharedMappingsOf(bytes));
        a.Dispose();
        Assert.Equal(0, SharedMappingsOf(bytes));
    }

    [LinuxFact]
    public void The_default_pool_is_sixteen_chunks_but_at_most_8_MiB()
    {
        Assert.Equal(16, ChunkAllocator.DefaultSpareChunks(64 * 1024));
        Assert.Equal(4, ChunkAllocator.DefaultSpareChunks(2 * 1024 * 1024));
        Assert.Equal(1, ChunkAllocator.DefaultSpareChunks(64 * 1024 * 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkAllocator(LazyCopyStrategy.Segv, 4096, spareChunks: -2));
    }

    /// <summary>Shared anonymous mappings (shown as /dev/zero in maps) of exactly this size.</summary>
    private static int SharedMappingsOf(int bytes) =>
        File.ReadLines("/proc/self/maps").Count(l =>
        {
            if (!l.Contains("/dev/zero", StringComparison.Ordinal))
                return false;
            var range = l[..l.IndexOf(' ')].Split('-');
            return Convert.ToUInt64(range[1], 16) - Convert.ToUInt64(range[0], 16) == (ulong)bytes;
        });
}

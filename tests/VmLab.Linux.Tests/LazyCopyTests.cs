using VmLab.Linux.LazyCopy;

namespace VmLab.Linux.Tests;

/// <summary>The same behaviour from every strategy: a lazy copy is indistinguishable from an eager one.</summary>
public class LazyCopyTests
{
    private const int Chunk64K = 64 * 1024;

    private static ChunkAllocator Allocator(string strategy, int bytes = Chunk64K, int max = int.MaxValue)
    {
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        return new ChunkAllocator(s, bytes, max);
    }

    private static void Pattern(Span<byte> s, int seed)
    {
        var r = new Random(seed);
        r.NextBytes(s);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Lazy_copy_reads_exactly_like_an_eager_copy(string strategy)
    {
        using var a = Allocator(strategy);
        var src = a.Allocate();
        Pattern(src.Span, 1);
        var eager = a.CopyEager(src);
        var lazy = a.CopyLazy(src);
        Assert.True(lazy.IsShared);
        Assert.True(eager.Span.SequenceEqual(lazy.Span));
        Assert.True(src.Span.SequenceEqual(lazy.Span));
        Assert.Equal(src.Length, lazy.Length);
        Assert.NotEqual(src.Address, lazy.Address);
    }

    [Theory]
    [StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void A_write_anywhere_in_either_view_splits_the_pair_and_the_other_keeps_its_bytes(string strategy)
    {
        foreach (int offset in new[] { 0, 1, 4095, 4096, Chunk64K / 2 + 17, Chunk64K - 1 })
        {
            using var a = Allocator(strategy);
            var src = a.Allocate();
            Pattern(src.Span, offset);
            byte[] before = src.Span.ToArray();
            var copy = a.CopyLazy(src);
            copy.Span[offset] ^= 0xff;
            Assert.Equal((byte)(before[offset] ^ 0xff), copy.Span[offset]);
            Assert.True(src.Span.SequenceEqual(before));
            src.Span[Chunk64K - 1 - offset] ^= 0x5a;
            Assert.Equal((byte)(before[Chunk64K - 1 - offset] ^ 0x5a), src.Span[Chunk64K - 1 - offset]);
            Assert.Equal(before[Chunk64K - 1 - offset] ^ (offset == Chunk64K - 1 - offset ? 0xff : 0), copy.Span[Chunk64K - 1 - offset]);
        }
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public unsafe void Native_style_writes_through_the_pointer_split_too(string strategy)
    {
        using var a = Allocator(strategy);
        var src = a.Allocate();
        src.Span.Fill(7);
        var copy = a.CopyLazy(src);
        byte* p = copy.Pointer;
        *(long*)(p + 8192) = -1;
        Assert.Equal(7, src.Span[8192]);
        Assert.Equal(0xff, copy.Span[8199]);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Several_lazy_copies_of_one_chunk_are_independent(string strategy)
    {
        using var a = Allocator(strategy);
        var src = a.Allocate();
        Pattern(src.Span, 2);
        byte[] original = src.Span.ToArray();
        var copies = Enumerable.Range(0, 6).Select(_ => a.CopyLazy(src)).ToList();
        for (int i = 0; i < copies.Count; i += 2)
            copies[i].Span[i * 1000] = (byte)(original[i * 1000] + 1 + i);
        for (int i = 0; i < copies.Count; i++)
        {
            byte[] expect = (byte[])original.Clone();
            if (i % 2 == 0)
                expect[i * 1000] = (byte)(original[i * 1000] + 1 + i);
            Assert.True(copies[i].Span.SequenceEqual(expect), $"copy {i}");
        }
        Assert.True(src.Span.SequenceEqual(original));
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Lazy_copies_of_lazy_copies_keep_each_generation(string strategy)
    {
        using var a = Allocator(strategy);
        var gen = new List<Chunk> { a.Allocate() };
        var model = new List<byte[]>();
        Pattern(gen[0].Span, 3);
        model.Add(gen[0].Span.ToArray());
        for (int g = 1; g < 6; g++)
        {
            gen.Add(a.CopyLazy(gen[g - 1]));
            model.Add((byte[])model[g - 1].Clone());
            if (g % 2 == 1)  // every other generation diverges before it is copied again
            {
                gen[g].Span[g * 4096 + g] = (byte)(0xa0 + g);
                model[g][g * 4096 + g] = (byte)(0xa0 + g);
            }
        }
        for (int g = 0; g < gen.Count; g++)
            Assert.True(gen[g].Span.SequenceEqual(model[g]), $"generation {g}");
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void A_copy_of_a_written_copy_sees_the_write_whichever_page_it_hit(string strategy)
    {
        int page = Environment.SystemPageSize, pages = 5;   // kcow checks pages in vectors of 4 or 8: 5 leaves a tail
        using var a = Allocator(strategy, pages * page);
        for (int p = 0; p < pages; p++)
        {
            var src = a.Allocate();
            Pattern(src.Span, 10 + p);
            var c1 = a.CopyLazy(src);
            c1.Span[p * page + 7] ^= 0xff;
            var c2 = a.CopyLazy(c1);
            Assert.True(c2.Span.SequenceEqual(c1.Span), $"write to page {p}");
            Assert.False(src.Span.SequenceEqual(c1.Span));
            src.Dispose();
            c1.Dispose();
            c2.Dispose();
        }
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Freeing_a_source_or_a_copy_leaves_the_others_intact_and_writable(string strategy)
    {
        using var a = Allocator(strategy);
        var src = a.Allocate();
        Pattern(src.Span, 4);
        byte[] original = src.Span.ToArray();
        var c1 = a.CopyLazy(src);
        var c2 = a.CopyLazy(c1);
        src.Dispose();
        Assert.True(src.IsDisposed);
        Assert.True(c1.Span.SequenceEqual(original));
        c2.Dispose();
        Assert.False(c1.IsShared);
        c1.Span[100] = 1;
        Assert.Equal(1, c1.Span[100]);
        Assert.Equal(1, a.LiveChunks);
        Assert.Throws<ObjectDisposedException>(() => a.CopyLazy(src));
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Thousands_of_chunks_with_lazy_copies_need_no_fixed_limit(string strategy)
    {
        using var a = Allocator(strategy, 4096);
        var pairs = new List<(Chunk Src, Chunk Copy)>();
        for (int i = 0; i < 3000; i++)
        {
            var s = a.Allocate();
            s.Span[i % 4096] = (byte)(i | 1);
            pairs.Add((s, a.CopyLazy(s)));
        }
        // Every third copy is written at a byte its source does not hold; every chunk is then checked whole.
        for (int i = 0; i < pairs.Count; i += 3)
            pairs[i].Copy.Span[(i + 1) % 4096] = 0xee;
        var expected = new byte[4096];
        for (int i = 0; i < pairs.Count; i++)
        {
            Array.Clear(expected);
            expected[i % 4096] = (byte)(i | 1);
            Assert.True(pairs[i].Src.Span.SequenceEqual(expected), $"source {i} changed");
            if (i % 3 == 0)
                expected[(i + 1) % 4096] = 0xee;
            Assert.True(pairs[i].Copy.Span.SequenceEqual(expected), $"copy {i} reads wrong");
        }
        Assert.Equal(6000, a.LiveChunks);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Chunk_size_is_any_multiple_of_the_page_size(string strategy)
    {
        foreach (int bytes in new[] { 4096, 3 * 4096, 2 * 1024 * 1024 })
        {
            using var a = Allocator(strategy, bytes);
            var src = a.Allocate();
            src.Span[^1] = 9;
            var copy = a.CopyLazy(src);
            copy.Span[^1] = 10;
            Assert.Equal(9, src.Span[^1]);
            Assert.Equal(bytes, copy.Span.Length);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkAllocator(LazyCopyStrategy.Segv, 1000));
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Many_threads_writing_one_shared_frame_set_at_once_all_land(string strategy)
    {
        using var a = Allocator(strategy);
        for (int round = 0; round < 20; round++)
        {
            var src = a.Allocate();
            src.Span.Fill(1);
            var copies = Enumerable.Range(0, 3).Select(_ => a.CopyLazy(src)).ToArray();
            var all = copies.Prepend(src).ToArray();
            using var go = new Barrier(8);
            var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
            {
                go.SignalAndWait();
                var c = all[t % all.Length];
                c.Span[(t / all.Length) * 8192 + t] = (byte)(10 + t);
            })).ToArray();
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();
            for (int t = 0; t < 8; t++)
            {
                for (int k = 0; k < all.Length; k++)
                {
                    int off = (t / all.Length) * 8192 + t;
                    byte expect = t % all.Length == k ? (byte)(10 + t) : (byte)1;
                    Assert.Equal(expect, all[k].Span[off]);
                }
            }
            foreach (var c in all) c.Dispose();
        }
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Hitting_the_chunk_limit_is_a_clear_exception_and_changes_nothing(string strategy)
    {
        using var a = Allocator(strategy, 4096, max: 3);
        var src = a.Allocate();
        src.Span[5] = 5;
        var c1 = a.CopyLazy(src);
        a.CopyEager(src);
        var e = Assert.Throws<ChunkLimitException>(() => a.CopyLazy(c1));
        Assert.Equal(Errno.ENOMEM, e.ErrorNumber);
        Assert.Contains("limit of 3", e.Message);
        Assert.Equal(3, a.LiveChunks);
        c1.Span[5] = 6;
        Assert.Equal(5, src.Span[5]);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Disposing_the_allocator_frees_every_chunk(string strategy)
    {
        var a = Allocator(strategy);
        var src = a.Allocate();
        var copy = a.CopyLazy(src);
        a.Dispose();
        Assert.True(src.IsDisposed);
        Assert.True(copy.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => a.Allocate());
    }

    [LinuxFact]
    public void The_strategy_can_be_chosen_per_allocation_and_copies_follow_their_source()
    {
        using var a = new ChunkAllocator(LazyCopyStrategy.Segv, 8192);
        var seg = a.Allocate();
        var kc = a.Allocate(LazyCopyStrategy.Kcow);
        Assert.Equal(LazyCopyStrategy.Segv, seg.Strategy);
        Assert.Equal(LazyCopyStrategy.Kcow, kc.Strategy);
        Assert.Equal(LazyCopyStrategy.Kcow, a.CopyLazy(kc).Strategy);
        Assert.Equal(LazyCopyStrategy.Segv, a.CopyEager(seg).Strategy);
        using var other = new ChunkAllocator(LazyCopyStrategy.Segv, 8192);
        Assert.Throws<ArgumentException>(() => other.CopyLazy(seg));
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Disposing_a_chunk_while_another_thread_copies_it_is_an_exception_not_a_crash(string strategy)
    {
        using var a = Allocator(strategy, 8192);
        for (int round = 0; round < 50; round++)
        {
            var src = a.Allocate();
            src.Span[0] = 1;
            using var go = new Barrier(2);
            // The copier records what happened and never asserts itself: a failed assert on a raw thread would end
            // the test host instead of failing the test.
            var outcomes = new List<char>();   // 'c' copied and read right, 'w' copied but read wrong, 'r' refused
            Exception? unexpected = null;
            var copier = new Thread(() =>
            {
                go.SignalAndWait();
                for (int i = 0; i < 20; i++)
                {
                    try
                    {
                        var c = a.CopyLazy(src);
                        outcomes.Add(c.Span[0] == 1 ? 'c' : 'w');
                        c.Dispose();
                    }
                    catch (ObjectDisposedException)
                    {
                        outcomes.Add('r');
                    }
                    catch (Exception e)
                    {
                        unexpected ??= e;
                    }
                }
            });
            copier.Start();
            go.SignalAndWait();
            src.Dispose();
            copier.Join();
            Assert.Null(unexpected);
            string seen = new(outcomes.ToArray());
            // Every copy made reads its source's byte, and once the source is gone every later copy is refused.
            Assert.Matches("^c*r*$", seen);
            Assert.Equal(20, seen.Length);
            Assert.Throws<ObjectDisposedException>(() => a.CopyLazy(src));
        }
        Assert.Equal(0, a.LiveChunks);
    }
}

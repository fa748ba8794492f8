using VmLab.Linux.LazyCopy;

namespace VmLab.Linux.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCountingCollection
{
    /// <summary>Tests that read this process's memory counters run alone.</summary>
    public const string Name = "memory counters";
}

/// <summary>Frames, faults and the stress test: what only shows up at scale or with counters.</summary>
[Collection(MemoryCountingCollection.Name)]
public class LazyCopyReliabilityTests
{
    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Freeing_every_chunk_and_copy_gives_every_frame_back(string strategy)
    {
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        const int n = 256, bytes = 64 * 1024;   // 16 MiB of originals, 16 MiB more once the copies split
        long before = Resident("RssShmem:") + Resident("RssAnon:");
        long shmemBefore = Resident("RssShmem:");
        int sharedAnonBefore = MapsLines("/dev/zero");   // how shared anonymous mappings show in maps
        using (var a = new ChunkAllocator(s, bytes))
        {
            var chunks = Enumerable.Range(0, n).Select(_ => a.Allocate()).ToList();
            foreach (var c in chunks) c.Span.Fill(3);
            var copies = chunks.Select(a.CopyLazy).ToList();
            var copies2 = copies.Select(a.CopyLazy).ToList();
            foreach (var c in copies) c.Span.Fill(4);            // split: fresh frames
            foreach (var c in chunks) c.Span[0] = 5;
            long during = Resident("RssShmem:") + Resident("RssAnon:");
            // kcow's frozen files are no longer mapped shared (their pages leave RssShmem), so it shows one set.
            int sets = s == LazyCopyStrategy.Kcow ? 1 : 2;
            Assert.True(during - before >= sets * n * bytes / 1024 * 9 / 10, $"expected the copies to hold frames: {before} -> {during} KiB");
            foreach (var c in chunks.Concat(copies).Concat(copies2)) c.Dispose();
        }
        // Shared frames (segv, uffd, kcow's files) are counted in RssShmem, which nothing else here grows much.
        long shmemAfter = Resident("RssShmem:");
        Assert.True(shmemAfter - shmemBefore < 4096, $"frames leaked: RssShmem {shmemBefore} KiB before, {shmemAfter} KiB after freeing");
        // Private frames (kcow's copies) go with their mapping: no view may be left mapped, and no memfd open.
        Assert.Equal(sharedAnonBefore, MapsLines("/dev/zero"));
        Assert.Equal(0, CountKcowFiles());
    }

    [LinuxFact]
    public void Segv_faults_are_resolved_by_splits_and_a_lone_view_gets_writable_without_a_copy()
    {
        using var a = new ChunkAllocator(LazyCopyStrategy.Segv, 16384);
        var before = SegvBackend.ReadStats();
        var src = a.Allocate();
        var copy = a.CopyLazy(src);
        copy.Span[16383] = 1;                  // split: copy gets fresh frames, src is alone again
        Assert.False(src.IsShared);
        src.Span[0] = 2;                       // no fault: src was made writable when it was left alone
        var after = SegvBackend.ReadStats();
        Assert.Equal(1, after.Splits - before.Splits);
        Assert.Equal(1, after.LazyCopies - before.LazyCopies);
        Assert.Equal(0, src.Span[16383]);
        Assert.Equal(0, copy.Span[0]);
        src.Dispose();
        copy.Dispose();
        Assert.Equal(before.Views, SegvBackend.ReadStats().Views);
    }

    [LinuxFact]
    public void Kcow_copy_of_a_diverged_private_view_reads_its_current_bytes_not_the_stale_file()
    {
        using var a = new ChunkAllocator(LazyCopyStrategy.Kcow, 3 * 4096);
        var src = a.Allocate();
        src.Span.Fill(1);                      // reaches the memfd: src is its shared writer
        var b = a.CopyLazy(src);               // freezes the file: src and b are private views of it
        b.Span[4096 + 7] = 2;                  // b diverges: one private page; the file still says 1
        src.Span[2 * 4096] = 9;                // src diverges too
        var c = a.CopyLazy(b);                 // must see b's 2, not the file's 1
        var d = a.CopyLazy(src);               // must see src's 9
        Assert.Equal(2, c.Span[4096 + 7]);
        Assert.Equal(1, c.Span[2 * 4096]);
        Assert.Equal(9, d.Span[2 * 4096]);
        Assert.Equal(1, d.Span[4096 + 7]);
        c.Span[0] = 3;                         // and the materialised pair still splits per page
        Assert.Equal(1, b.Span[0]);
        Assert.Equal(3, c.Span[0]);
        var e = a.CopyLazy(c);
        Assert.Equal(3, e.Span[0]);
        Assert.Equal(2, e.Span[4096 + 7]);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Random_operations_on_many_threads_never_diverge_from_an_eager_model(string strategy)
    {
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        var r = LazyCopyStress.Run(s, chunkBytes: 4 * 4096, slots: 48, threads: 4, opsPerThread: 1500, seed: 20261122);
        Assert.Equal(0, r.Mismatches);
        // The run exercised what it is about: many lazy copies, many of them split by a write while they still
        // shared frames, and many whole-chunk comparisons against the model (not just that it ran 6000 steps).
        Assert.True(r.LazyCopies >= 100, $"{r}");
        Assert.True(r.SplittingWrites >= 20, $"{r}");
        Assert.True(r.Comparisons >= 300, $"{r}");
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Running_out_of_mappings_is_a_clear_exception_and_the_process_carries_on(string strategy)
    {
        // The kernel's own limit would take the runtime down with it (it cannot map memory to JIT); the
        // allocator stops short of it with an exception, and everything works again once chunks are freed.
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        using var a = new ChunkAllocator(s, 4096);
        var src = a.Allocate();
        src.Span[0] = 1;
        var copies = new List<Chunk>();
        void Exhaust()
        {
            while (true)
                copies.Add(a.CopyLazy(src));
        }
        var e = Assert.Throws<ChunkLimitException>(Exhaust);
        Assert.Contains("vm.max_map_count", e.Message);
        Assert.Equal(Errno.ENOMEM, e.ErrorNumber);
        Assert.True(copies.Count > 1000, $"only {copies.Count} copies fit");
        Assert.Equal(ChunkAllocator.ProcessChunkBudget, ChunkAllocator.ProcessLiveChunks);
        copies[^1].Span[0] = 2;                 // a split needs a spare mapping for a moment: there is one
        Assert.Equal(1, src.Span[0]);
        foreach (var c in copies) c.Dispose();
        var after = a.CopyLazy(src);
        after.Span[0] = 3;
        Assert.Equal(1, src.Span[0]);
    }

    [Theory, StrategyData("segv"), StrategyData("uffd"), StrategyData("kcow")]
    public void Splits_never_deadlock_with_the_garbage_collector(string strategy)
    {
        // A managed writer stopped on a fault cannot be suspended for a collection; whatever resolves the fault
        // must not wait for one. A managed userfaultfd server did, and hung within a second of this.
        Assert.True(LazyCopyStrategies.TryParse(strategy, out var s));
        var a = new ChunkAllocator(s, 16384);   // disposed below, and only when no writer can still use it
        var src = a.Allocate();
        long writes = 0, collections = 0;
        bool stop = false;
        Exception? failure = null;
        var writers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            try
            {
                // 3000 copies each, and on until the collector has run often enough to matter: a fast strategy on
                // a busy machine could otherwise finish before the collector thread got its first few turns
                for (int i = 0; (i < 3000 || Interlocked.Read(ref collections) <= 20) && !Volatile.Read(ref stop); i++)
                {
                    using var c = a.CopyLazy(src);
                    c.Span[i % 16384] = 1;
                    Interlocked.Increment(ref writes);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })).ToArray();
        // Hundreds of collections during the run, many landing while a split is in progress. The pause keeps
        // the collector from stopping the world back to back: unpaced, it ran ~15,000 collections a second and
        // starved the writers of every strategy on an idle machine, which looked like a hang but was not one.
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                Interlocked.Increment(ref collections);
                Thread.Sleep(1);
            }
        });
        collector.Start();
        foreach (var w in writers) w.Start();
        bool finished = writers.All(w => w.Join(TimeSpan.FromSeconds(120)));
        Volatile.Write(ref stop, true);
        bool stopped = writers.All(w => w.Join(TimeSpan.FromSeconds(30)));
        collector.Join();
        if (stopped)
            a.Dispose();   // a writer stuck in a fault would crash on a disposed allocator: leave it then
        Assert.True(finished, $"writers stuck after {Interlocked.Read(ref writes)} writes");
        Assert.Null(failure);
        Assert.True(writes >= 6000, $"only {writes} writes");
        Assert.True(collections > 10, $"only {collections} collections ran during the writes");
    }

    /// <summary>Open file descriptors and mappings of kcow's memfds.</summary>
    private static int CountKcowFiles()
    {
        int fds = 0;
        foreach (var fd in new DirectoryInfo("/proc/self/fd").GetFileSystemInfos())
        {
            try { fds += fd.LinkTarget?.Contains("vmlab-kcow", StringComparison.Ordinal) == true ? 1 : 0; }
            catch (IOException) { }
        }
        return fds + File.ReadLines("/proc/self/maps").Count(l => l.Contains("vmlab-kcow", StringComparison.Ordinal));
    }

    /// <summary>A "Rss…:" line of /proc/self/status, in KiB.</summary>
    private static long Resident(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    private static int MapsLines(string containing) =>
        File.ReadLines("/proc/self/maps").Count(l => l.Contains(containing, StringComparison.Ordinal));
}

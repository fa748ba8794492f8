using System.Runtime.CompilerServices;
using VmLab.Linux.Faults;

namespace VmLab.Linux.Tests;

public unsafe class FaultRegionTests
{
    private static readonly int Page = PageSize.Value;

    [LinuxFact]
    public void MakeAccessible_cures_one_fault_per_page_and_the_writes_land()
    {
        using var m = Mapping.Anonymous((ulong)(4 * Page), Prot.PROT_NONE);
        using var region = FaultHandler.Register(m, FaultPolicy.MakeAccessible, logCapacity: 8);
        for (int i = 0; i < 4; i++)
        {
            m.PageSpan(i)[100] = (byte)(i + 1);
            m.PageSpan(i)[101] = (byte)(i + 2);   // same page again: no second fault
        }
        Assert.Equal(4, region.Faults);
        Assert.Equal(0, region.Refused);
        for (int i = 0; i < 4; i++)
            Assert.Equal([(byte)(i + 1), (byte)(i + 2)], m.PageSpan(i)[100..102].ToArray());
        Assert.Equal(Enumerable.Range(0, 4).Select(i => m.PageAddress(i) + 100), region.FaultAddresses());
    }

    [LinuxFact]
    public void Rep_movsb_into_protected_pages_resumes_after_each_fault()
    {
        const int pages = 6, bytes = pages * 4096 - 123;
        using var src = Mapping.Anonymous(bytes);
        new Random(7).NextBytes(src.Span[..bytes]);
        using var dst = Mapping.Anonymous(bytes, Prot.PROT_NONE);
        using var region = FaultHandler.Register(dst, FaultPolicy.MakeAccessible, logCapacity: pages);

        RepMovsb.Copy(dst.Address, src.Address, bytes);

        Assert.Equal(pages, region.Faults);
        Assert.True(dst.Span[..bytes].SequenceEqual(src.Span[..bytes]));
        Assert.Equal(Enumerable.Range(0, pages).Select(dst.PageAddress), region.FaultAddresses());
    }

    [LinuxFact]
    public void MapFreshPage_maps_zero_filled_pages_into_a_hole()
    {
        const int pages = 16;
        ulong length = (ulong)(pages * Page);
        nint hole = Hole.Reserve(length).Release();
        try
        {
            using var region = FaultHandler.Register(hole, length, FaultPolicy.MapFreshPage);
            Mapping.Adopt(hole, length).Dispose();
            for (int i = 0; i < pages; i++)
                *(long*)(hole + i * Page + 8) = i * 1000L + 1;
            Assert.Equal(pages, region.Faults);
            for (int i = 0; i < pages; i++)
            {
                var span = new ReadOnlySpan<long>((void*)(hole + i * Page), Page / 8);
                Assert.Equal(i * 1000L + 1, span[1]);
                Assert.Equal(0, span[0]);
                Assert.False(span[2..].ContainsAnyExcept(0L));
            }
        }
        finally
        {
            Mapping.Adopt(hole, length).Dispose();
        }
    }

    [LinuxFact]
    public void Holes_are_reserved_away_from_where_the_kernel_places_mappings()
    {
        using var a = Hole.Reserve((ulong)(16 * Page));
        using var b = Hole.Reserve((ulong)(16 * Page));
        using var ordinary = Mapping.Anonymous((ulong)(16 * Page));
        Assert.NotEqual(a.Address, b.Address);
        Assert.True((ulong)a.Address < (ulong)ordinary.Address / 2, $"hole {a} vs ordinary {ordinary}");
    }

    [LinuxFact]
    public void MakeReadable_cures_reads()
    {
        using var m = Mapping.Anonymous((ulong)(3 * Page), Prot.PROT_NONE);
        using var region = FaultHandler.Register(m, FaultPolicy.MakeReadable);
        long sum = 0;
        for (int i = 0; i < 3; i++)
            sum += m.PageSpan(i)[7];
        Assert.Equal(0, sum);
        Assert.Equal(3, region.Faults);
    }

    [LinuxFact]
    public void A_null_dereference_is_still_a_NullReferenceException_while_regions_are_registered()
    {
        using var m = Mapping.Anonymous((ulong)Page, Prot.PROT_NONE);
        using var region = FaultHandler.Register(m, FaultPolicy.MakeAccessible);
        long chained = FaultHandler.Chained;

        Assert.Throws<NullReferenceException>(() => ReadLength(null));

        Assert.True(FaultHandler.Chained > chained, "the native handler saw the fault and passed it on");
        m.Span[0] = 1;   // and the region still works afterwards
        Assert.Equal(1, region.Faults);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReadLength(int[]? array) => array!.Length;

    [LinuxFact]
    public void Ten_thousand_regions_register_resolve_and_dispose()
    {
        const int count = 10_000;
        int before = FaultHandler.RegionCount;
        using var m = Mapping.Anonymous((ulong)count * (ulong)Page, Prot.PROT_NONE);
        var regions = new List<FaultRegion>(count);
        // Registered in a scrambled but fixed order (7919 is prime to 10,000) so inserts land all over the table.
        foreach (int i in Enumerable.Range(0, count).OrderBy(i => i * 7919L % count))
            regions.Add(FaultHandler.Register(m.PageAddress(i), (ulong)Page, FaultPolicy.MakeAccessible));
        Assert.Equal(before + count, FaultHandler.RegionCount);
        var byPage = regions.ToDictionary(r => (int)((r.Start - m.Address) / Page));

        for (int i = 0; i < count; i += 97)
            m.PageSpan(i)[1] = 1;

        for (int i = 0; i < count; i++)
            Assert.Equal(i % 97 == 0 ? 1 : 0, byPage[i].Faults);
        foreach (var r in regions)
            r.Dispose();
        Assert.Equal(before, FaultHandler.RegionCount);
        // Old tables are freed at the first moment no handler runs; faults elsewhere (tests in parallel) may
        // delay that, so give later writers a few chances.
        for (int i = 0; i < 100 && FaultHandler.RetiredCount != 0; i++)
        {
            Thread.Sleep(1);
            FaultHandler.Register(m.Address, (ulong)Page, FaultPolicy.MakeAccessible).Dispose();
        }
        Assert.Equal(0, FaultHandler.RetiredCount);
        Assert.All(regions, r => Assert.True(r.IsDisposed));
        Assert.Equal(1, byPage[97].Faults);   // the final count survives Dispose
    }

    [LinuxFact]
    public void Concurrent_faults_on_one_region_are_all_cured_and_counted_exactly()
    {
        const int threads = 4, pagesEach = 64;
        using var m = Mapping.Anonymous((ulong)(threads * pagesEach * Page), Prot.PROT_NONE);
        using var region = FaultHandler.Register(m, FaultPolicy.MakeAccessible);
        RunTogether(threads, t =>
        {
            for (int i = 0; i < pagesEach; i++)
                *(int*)(m.Address + (i * threads + t) * Page) = t * 1000 + i;   // interleaved pages
        });
        Assert.Equal(threads * pagesEach, region.Faults);
        for (int t = 0; t < threads; t++)
            for (int i = 0; i < pagesEach; i++)
                Assert.Equal(t * 1000 + i, *(int*)(m.Address + (i * threads + t) * Page));
    }

    [LinuxFact]
    public void Concurrent_faults_on_separate_regions_are_counted_per_region()
    {
        const int threads = 4, pages = 48;
        var maps = Enumerable.Range(0, threads).Select(_ => Mapping.Anonymous((ulong)(pages * Page), Prot.PROT_NONE)).ToArray();
        var regions = maps.Select((mm, t) => FaultHandler.Register(mm, t % 2 == 0 ? FaultPolicy.MakeAccessible : FaultPolicy.MakeReadable)).ToArray();
        try
        {
            var sums = new long[threads];
            RunTogether(threads, t =>
            {
                for (int i = 0; i < pages; i++)
                {
                    if (t % 2 == 0)
                        maps[t].PageSpan(i)[0] = 9;
                    else
                        sums[t] += maps[t].PageSpan(i)[0];
                }
            });
            Assert.All(regions, r => Assert.Equal(pages, r.Faults));
            Assert.All(sums, s => Assert.Equal(0, s));
        }
        finally
        {
            foreach (var r in regions) r.Dispose();
            foreach (var mm in maps) mm.Dispose();
        }
    }

    [LinuxFact]
    public void Threads_racing_on_the_same_fresh_pages_never_lose_a_write()
    {
        // Every thread writes its own slot in every page of a hole, in the same order, so several threads fault
        // on one unmapped page at once. Only one mmap may win (MAP_FIXED_NOREPLACE); the others must retry
        // into the winner's page rather than replace it (which would drop the winner's write).
        const int threads = 4, pages = 64;
        ulong length = (ulong)(pages * Page);
        nint hole = Hole.Reserve(length).Release();
        try
        {
            using var region = FaultHandler.Register(hole, length, FaultPolicy.MapFreshPage);
            Mapping.Adopt(hole, length).Dispose();
            RunTogether(threads, t =>
            {
                for (int i = 0; i < pages; i++)
                    *(long*)(hole + i * Page + t * 64) = i * 10 + t + 1;   // one cache line per thread
            });
            for (int i = 0; i < pages; i++)
                for (int t = 0; t < threads; t++)
                    Assert.Equal(i * 10 + t + 1, *(long*)(hole + i * Page + t * 64));
            Assert.InRange(region.Faults, pages, pages * threads);
            Assert.Equal(0, region.Refused);
        }
        finally
        {
            Mapping.Adopt(hole, length).Dispose();
        }
    }

    [LinuxFact]
    public void Registering_while_other_threads_fault_loses_no_count()
    {
        // Each registration republishes the table; faults counted through an old table must not be lost.
        const int pages = 256;
        using var m = Mapping.Anonymous((ulong)(pages * Page), Prot.PROT_NONE);
        using var scratch = Mapping.Anonymous(512UL * (ulong)Page, Prot.PROT_NONE);
        using var region = FaultHandler.Register(m, FaultPolicy.MakeAccessible);
        RunTogether(2, t =>
        {
            if (t == 0)
            {
                for (int i = 0; i < pages; i++)
                    m.PageSpan(i)[0] = 1;
            }
            else
            {
                for (int i = 0; i < 512; i++)
                    FaultHandler.Register(scratch.PageAddress(i), (ulong)Page, FaultPolicy.MakeAccessible).Dispose();
            }
        });
        Assert.Equal(pages, region.Faults);
    }

    [LinuxFact]
    public void Bad_registrations_are_refused_with_clear_errors()
    {
        using var m = Mapping.Anonymous((ulong)(4 * Page), Prot.PROT_NONE);
        using var region = FaultHandler.Register(m.PageAddress(1), (ulong)(2 * Page), FaultPolicy.MakeAccessible);
        var overlap = Assert.Throws<InvalidOperationException>(() => FaultHandler.Register(m, FaultPolicy.MapFreshPage));
        Assert.Contains("overlaps", overlap.Message);
        Assert.Throws<ArgumentException>(() => FaultHandler.Register(m.Address + 1, 10, FaultPolicy.MakeAccessible));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultHandler.Register(m.Address, 0, FaultPolicy.MakeAccessible));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultHandler.Register(m.Address, 4096, (FaultPolicy)99));
        // Neighbours that only touch are fine.
        using var left = FaultHandler.Register(m.PageAddress(0), (ulong)Page, FaultPolicy.MakeAccessible);
        using var right = FaultHandler.Register(m.PageAddress(3), (ulong)Page, FaultPolicy.MakeAccessible);
        Assert.True(region.Contains(m.PageAddress(2)) && !region.Contains(m.PageAddress(3)));
    }

    [LinuxFact]
    public void Dispose_is_idempotent_and_keeps_the_final_figures()
    {
        using var m = Mapping.Anonymous((ulong)(2 * Page), Prot.PROT_NONE);
        var region = FaultHandler.Register(m, FaultPolicy.MakeAccessible, logCapacity: 4);
        m.PageSpan(1)[5] = 5;
        region.Dispose();
        region.Dispose();
        Assert.True(region.IsDisposed);
        Assert.Equal(1, region.Faults);
        Assert.Equal([m.PageAddress(1) + 5], region.FaultAddresses());
        using var again = FaultHandler.Register(m, FaultPolicy.MakeAccessible);   // the range is free again
    }

    [LinuxFact]
    public void RepMovsb_copies_like_memcpy_and_rejects_overlap()
    {
        var src = new byte[1000];
        new Random(3).NextBytes(src);
        var dst = new byte[1000];
        RepMovsb.Copy(dst, src);
        Assert.Equal(src, dst);
        Assert.Throws<ArgumentException>(() => RepMovsb.Copy(dst.AsSpan(0, 10), src));
        using var m = Mapping.Anonymous(4096);
        Assert.Throws<ArgumentException>(() => RepMovsb.Copy(m.Address + 1, m.Address, 100));
    }

    private static void RunTogether(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        var errors = new Exception?[threads];
        var list = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try { start.SignalAndWait(); body(t); }
            catch (Exception e) { errors[t] = e; }
        })).ToList();
        list.ForEach(th => th.Start());
        list.ForEach(th => th.Join());
        foreach (var e in errors)
            if (e is not null) throw new AggregateException(e);
    }
}

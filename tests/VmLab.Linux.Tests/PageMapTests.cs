namespace VmLab.Linux.Tests;

[Collection(ProcessMemory.Collection)]
public class PageMapTests
{
    [LinuxFact]
    public void A_fresh_page_is_absent_until_written_then_present()
    {
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous(2 * 4096);
        Assert.False(map.Read(m.Address).IsPresent);
        m.Span[0] = 1;
        var e = map.Read(m.Address);
        Assert.True(e.IsPresent);
        Assert.False(e.IsFileOrSharedAnon);
        Assert.True(e.IsExclusive);
        Assert.False(map.Read(m.PageAddress(1)).IsPresent);
        Assert.Equal(Platform.CanReadFrames, e.Pfn is not null);
        Assert.Equal(!Platform.CanReadFrames, e.IsPfnHidden);
    }

    [LinuxFact]
    public void Batched_read_equals_one_read_per_page()
    {
        const int pages = 64;
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous(pages * 4096UL);
        var rng = new Random(1234);
        for (int i = 0; i < pages; i++)
            if (rng.Next(3) != 0)
                m.PageSpan(i)[0] = 7;
        var batch = map.Read((ulong)m.Address, pages);
        for (int i = 0; i < pages; i++)
            Assert.Equal(map.Read(m.PageAddress(i)), batch[i]);
        Assert.Contains(batch, e => e.IsPresent);
        Assert.Contains(batch, e => !e.IsPresent);
    }

    [LinuxFact]
    public void Shared_anonymous_page_carries_the_file_or_shared_bit()
    {
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous(4096, Prot.ReadWrite, MapFlags.MAP_SHARED);
        m.Span[0] = 1;
        Assert.True(map.Read(m.Address).IsFileOrSharedAnon);
    }

    [LinuxFact]
    public void Reads_past_the_top_of_the_address_space_are_not_present()
    {
        using var map = PageMap.OpenSelf();
        var e = map.Read(0xffff_ffff_ffff_0000UL, 4);
        Assert.All(e, x => Assert.False(x.IsPresent));
    }

    [LinuxFact]
    public void A_missing_process_is_a_typed_error()
    {
        var e = Assert.Throws<LinuxException>(() => PageMap.Open(int.MaxValue));
        Assert.Equal("open", e.Call);
        Assert.Equal(Errno.ENOENT, e.ErrorNumber);
    }

    [LinuxFact]
    public unsafe void PrintMap_describes_an_address()
    {
        using var m = Mapping.Anonymous(4096);
        m.Span[0] = 1;
        var t = PrintMap.Of(m.Pointer + 5);
        Assert.Equal((ulong)m.Address + 5, t.VirtualAddress);
        Assert.True(t.Entry.IsPresent);
        Assert.StartsWith($"VA 0x{(ulong)m.Address + 5:x} -> ", PrintMap.Describe(m.Pointer + 5));
        if (Platform.CanReadFrames)
            Assert.Equal(t.Pfn * 4096 + 5, t.PhysicalAddress);
        else
            Assert.Contains("hidden (needs root)", t.ToString());
    }

    [RootFact]
    public void Kpagecount_says_one_mapper_for_a_private_page()
    {
        using var counts = KPageCount.TryOpen(out string? why);
        Assert.True(counts is not null, why);
        using var flags = KPageFlags.TryOpen(out _);
        using var m = Mapping.Anonymous(4096);
        m.Span[0] = 1;
        var t = PrintMap.Of(PageMap.OpenSelf(), (ulong)m.Address, counts);
        Assert.Equal(1, t.MapCount);
        Assert.True(flags!.Flags(t.Pfn!.Value).HasFlag(KPageFlag.KPF_ANON));
    }

    [LinuxFact]
    public void Without_root_kpagecount_says_why_it_is_unreadable()
    {
        using var counts = KPageCount.TryOpen(out string? why);
        if (Platform.IsRoot)
            Assert.NotNull(counts);
        else
        {
            Assert.Null(counts);
            Assert.Contains("/proc/kpagecount", why);
        }
    }
}

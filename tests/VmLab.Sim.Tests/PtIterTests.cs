using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

public class PtIterTests
{
    [Fact]
    public void Visits_every_table_page_except_the_root_once_children_first()
    {
        var m = new PhysicalMemory(64UL << 20);
        var f = new FrameAllocator(m);
        var pt = PageTable.Create(f, 3);
        var rng = new Random(2024);
        var it = pt.Iter();
        for (int i = 0; i < 300; i++)
            it.Find(VirtualAddress.Canonicalize((ulong)rng.NextInt64(0, 1L << 36) << 12)).Map(0x1000, PTE_P | PTE_W | PTE_U);
        it.Find(0x4000_0000).MapLarge(0x20_0000, PTE_P | PTE_W, 1);

        var tables = f.Owned(FrameOwner.PageTable, 3).Where(pa => pa != pt.Root).ToHashSet();
        var seen = new List<(ulong Pa, int Level)>();
        var position = new Dictionary<ulong, int>();
        for (var p = pt.TablePages(); !p.Done; p.Next())
        {
            position[p.Pa] = seen.Count;
            seen.Add((p.Pa, p.Level));
        }
        Assert.Equal(tables.Count, seen.Count);
        Assert.Equal(tables, seen.Select(s => s.Pa).ToHashSet());
        Assert.All(seen, s => Assert.InRange(s.Level, 0, 2));
        // Each page's parent (one level up) comes after it, so freeing in visiting order is safe.
        foreach (var line in pt.Dump().Where(l => !l.Leaf && l.Level < 3))
            Assert.True(position[Pte.Address(line.Entry)] < position[line.TablePa]);
    }

    [Fact]
    public void Freeing_everything_it_visits_plus_the_root_leaks_nothing()
    {
        var m = new PhysicalMemory();
        var f = new FrameAllocator(m);
        var pt = PageTable.Create(f, 4);
        var it = pt.Iter();
        foreach (ulong va in new ulong[] { 0x1000, 0x40_0000, 0x80_0000_0000, 0xFFFF_8000_0000_0000 })
            it.Find(va).Map(f.Allocate(FrameOwner.Process, 4), PTE_P | PTE_W | PTE_U);
        ulong previous;
        it.Find(0);
        do
        {
            if (it.User) f.Free(it.Pa);
            previous = it.Va;
            it.Next();
        } while (it.Va > previous);
        for (var p = pt.TablePages(); !p.Done; p.Next()) f.Free(p.Pa);
        f.Free(pt.Root);
        Assert.Empty(f.Leaks([]));
        Assert.Equal(m.FrameCount, f.FreeFrames);
    }

    [Fact]
    public void Reports_level_and_the_virtual_range_of_each_page()
    {
        var f = new FrameAllocator(new PhysicalMemory());
        var pt = PageTable.Create(f);
        pt.Iter(0xFFFF_8000_0020_0000).Map(0x5000, PTE_P);
        var p = pt.TablePages();
        Assert.Equal((0, 0xFFFF_8000_0020_0000UL), (p.Level, p.Va));
        Assert.Equal(0xFFFF_8000_0040_0000UL, p.LastVa);
        p.Next();
        Assert.Equal((1, 0xFFFF_8000_0000_0000UL), (p.Level, p.Va));
        p.Next();
        Assert.Equal(2, p.Level);
        p.Next();
        Assert.True(p.Done);
    }
}

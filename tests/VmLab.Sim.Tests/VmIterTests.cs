using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

public class VmIterTests
{
    private static (PhysicalMemory, FrameAllocator, PageTable) Machine(ulong size = PhysicalMemory.DefaultSize)
    {
        var m = new PhysicalMemory(size);
        var f = new FrameAllocator(m);
        f.Reserve(0, 0x1000, FrameOwner.Reserved);
        return (m, f, PageTable.Create(f));
    }

    [Fact]
    public void Unmapped_addresses_read_pa_minus_one_and_perm_zero()
    {
        var (_, _, pt) = Machine();
        var it = pt.Iter(0x1234);
        Assert.Equal(ulong.MaxValue, it.Pa);
        Assert.Equal(0UL, it.Perm);
        Assert.False(it.Present);
        Assert.Equal(3, it.Level);                        // the empty PML4 entry stops the walk
        Assert.Equal(0x80_0000_0000UL, it.LastVa);        // one 512 GiB range
    }

    [Fact]
    public void Map_then_query_agrees_for_random_mappings()
    {
        var (_, _, pt) = Machine(64UL << 20);
        var rng = new Random(5061);
        var expected = new Dictionary<ulong, (ulong Pa, ulong Perm)>();
        ulong[] perms = [PTE_P, PTE_P | PTE_W, PTE_P | PTE_U, PTE_P | PTE_W | PTE_U];
        var it = pt.Iter();
        for (int i = 0; i < 2000; i++)
        {
            ulong region = (ulong)rng.Next(4) switch { 0 => 0, 1 => 0x40_0000_0000, 2 => 0x7FFF_0000_0000, _ => 0xFFFF_8000_0000_0000 };
            ulong va = region + ((ulong)rng.Next(1 << 16) << 12);
            ulong pa = (ulong)rng.Next(1, 1 << 20) << 12;
            ulong perm = perms[rng.Next(perms.Length)];
            it.Find(va).Map(pa, perm);
            expected[va] = (pa, perm);
        }
        foreach (var (va, (pa, perm)) in expected)
        {
            ulong off = (ulong)rng.Next(4096);
            it.Find(va + off);
            Assert.Equal(pa + off, it.Pa);
            Assert.Equal(perm, it.Perm & (PTE_P | PTE_W | PTE_U));
            Assert.Equal((perm & PTE_W) != 0, it.Writable);
            Assert.Equal((perm & PTE_U) != 0, it.User);
        }
        // Next visits exactly the mapped pages, in address order, skipping the empty space between them.
        var visited = new List<ulong>();
        ulong previous;
        it.Find(0);
        do
        {
            if (it.Present) visited.Add(it.Va);
            previous = it.Va;
            it.Next();
        } while (it.Va > previous);    // Next wraps to 0 after the top of the address space
        Assert.Equal(expected.Keys.Order(), visited);
    }

    [Fact]
    public void Next_skips_a_whole_empty_subtree_in_one_step()
    {
        var (_, _, pt) = Machine();
        pt.Iter(0x7F_FFFF_F000).Map(0x5000, PTE_P | PTE_W);
        var it = pt.Iter(0x1000);
        int steps = 0;
        while (!it.Present) { it.Next(); steps++; }
        Assert.Equal(0x7F_FFFF_F000UL, it.Va);
        // One step per empty entry on the path (511 PDPTEs, 511 PDEs, 511 PTEs); 4 KiB steps would be 2^27.
        Assert.Equal(3 * 511, steps);
        // Past the last low address the iterator continues at the high canonical half.
        var top = pt.Iter(0x7F80_0000_0000);
        top.Next();
        Assert.Equal(VirtualAddress.HighStart, top.Va);
    }

    [Fact]
    public void NextRange_stops_where_permission_or_contiguity_changes()
    {
        var (_, _, pt) = Machine();
        var it = pt.Iter();
        for (ulong va = 0x10000; va < 0x20000; va += 0x1000) it.Find(va).Map(va + 0x100000, PTE_P | PTE_W);
        for (ulong va = 0x20000; va < 0x22000; va += 0x1000) it.Find(va).Map(va + 0x100000, PTE_P);
        it.Find(0x22000).Map(0x5000, PTE_P);
        it.Find(0x10000).NextRange();
        Assert.Equal(0x20000UL, it.Va);
        it.NextRange();
        Assert.Equal(0x22000UL, it.Va);
        it.NextRange();
        Assert.Equal(0x23000UL, it.Va);
        Assert.False(it.Present);
    }

    [Fact]
    public void RangePerm_checks_every_page_and_keeps_the_position()
    {
        var (_, _, pt) = Machine();
        var it = pt.Iter();
        for (ulong va = 0x10000; va < 0x13000; va += 0x1000) it.Find(va).Map(va, PTE_P | PTE_W | PTE_U);
        it.Find(0x10800);
        Assert.True(it.RangePerm(0x2000, PTE_P | PTE_W | PTE_U));
        Assert.False(it.RangePerm(0x2801, PTE_P | PTE_U));   // last byte lies in 0x13000, unmapped
        Assert.Equal(0x10800UL, it.Va);
    }

    [Fact]
    public void TryMap_failure_frees_what_it_allocated_and_leaves_memory_byte_identical()
    {
        var rng = new Random(61);
        for (int trial = 0; trial < 20; trial++)
        {
            var (m, f, pt) = Machine(0x40000);    // 64 frames
            var it = pt.Iter();
            it.Find(0x1000).Map(0x9000, PTE_P | PTE_W);
            int spare = rng.Next(0, 3);            // a fresh PML4 slot needs 3 table pages: fail after 0-2
            while (f.FreeFrames > (ulong)spare) f.Allocate(FrameOwner.Process, 2);
            ulong va = (ulong)rng.Next(1, 255) << 39 | (ulong)rng.Next(512) << 12;
            // Not-present entries may carry software bits (a swap slot, say); rollback must restore them too.
            if (trial % 2 == 1) m.WriteU64(pt.Root + 8 * (ulong)VirtualAddress.Index(va, 3), 0xABCD_E000);
            var before = new byte[m.Size];
            m.Read(0, before);
            ulong free = f.FreeFrames;
            Assert.False(it.Find(va).TryMap(0x9000, PTE_P | PTE_W));
            var after = new byte[m.Size];
            m.Read(0, after);
            Assert.Equal(before, after);
            Assert.Equal(free, f.FreeFrames);
            Assert.False(it.Find(va).Present);
            Assert.Equal(0x9000UL, it.Find(0x1000).Pa);
            Assert.Throws<InvalidOperationException>(() => it.Find(va).Map(0x9000, PTE_P));
        }
    }

    [Fact]
    public void Map_refuses_misuse_with_a_clear_message()
    {
        var (_, _, pt) = Machine();
        var it = pt.Iter(0x1001);
        Assert.Contains("not aligned", Assert.Throws<ArgumentException>(() => it.Map(0x2000, PTE_P)).Message);
        it.Find(0x200000).MapLarge(0x200000, PTE_P | PTE_W, 1);
        Assert.Contains("inside a 2 MiB page", Assert.Throws<InvalidOperationException>(() => it.Find(0x201000).Map(0x3000, PTE_P)).Message);
        it.Find(0x600000).Map(0x3000, PTE_P);
        Assert.Contains("hide an existing page table", Assert.Throws<InvalidOperationException>(() => it.Find(0x600000).MapLarge(0x600000, PTE_P, 1)).Message);
        // A user mapping below a supervisor-only upper entry could never take effect.
        var (m, _, pt2) = Machine();
        pt2.Iter(0x1000).Map(0x3000, PTE_P | PTE_W);
        m.WriteU64(pt2.Root, m.ReadU64(pt2.Root) & ~PTE_U);
        Assert.Throws<ArgumentException>(() => pt2.Iter(0x2000).Map(0x4000, PTE_P | PTE_U));
    }

    [Fact]
    public void Perm_zero_unmaps()
    {
        var (_, _, pt) = Machine();
        var it = pt.Iter(0x5000);
        it.Map(0x9000, PTE_P | PTE_W);
        it.Map(0, 0);
        Assert.False(it.Present);
        Assert.Equal(ulong.MaxValue, it.Pa);
    }
}

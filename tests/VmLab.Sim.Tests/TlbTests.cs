using VmLab.Sim.Exercises;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

public class TlbTests
{
    [Fact]
    public void Without_invlpg_the_cpu_reads_the_old_frame_and_invlpg_fixes_it()
    {
        var r = TlbDemo.Run();
        Assert.Equal("old frame A", r.Steps[2].Read);
        Assert.Equal("new frame B", r.Steps[2].Expected);
        Assert.True(r.StaleReadSeen);
        Assert.Equal("new frame B", r.Steps[3].Read);
        Assert.True(r.InvlpgFixed);
        Assert.True(r.GlobalSurvivedCr3Reload);
    }

    private static (PhysicalMemory, FrameAllocator, PageTable, Tlb) Machine()
    {
        var m = new PhysicalMemory();
        var f = new FrameAllocator(m);
        f.Reserve(0, 0x1000, FrameOwner.Reserved);
        var pt = PageTable.Create(f);
        var tlb = new Tlb(new Mmu(m));
        tlb.LoadCr3(pt.Root);
        return (m, f, pt, tlb);
    }

    [Fact]
    public void Hits_and_misses_are_counted_and_a_cr3_reload_drops_non_global_entries()
    {
        var (_, _, pt, tlb) = Machine();
        pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_W | PTE_U);
        pt.Iter(0x6000).Map(0xA000, PTE_P | PTE_W | PTE_G);
        for (int i = 0; i < 10; i++) tlb.Translate(0x5000 + (ulong)i, Access.Read, Privilege.User);
        tlb.Translate(0x6000, Access.Read, Privilege.Supervisor);
        Assert.Equal((9L, 2L), (tlb.Hits, tlb.Misses));
        tlb.LoadCr3(pt.Root);
        Assert.Equal(1, tlb.Count);
        tlb.Mmu.GlobalPagesEnable = false;   // CR4.PGE off: control change flushes, nothing is global
        tlb.Translate(0x6000, Access.Read, Privilege.Supervisor);
        tlb.LoadCr3(pt.Root);
        Assert.Equal(0, tlb.Count);
    }

    [Fact]
    public void A_write_through_a_clean_entry_walks_again_to_set_dirty()
    {
        var (_, _, pt, tlb) = Machine();
        var it = pt.Iter(0x5000);
        it.Map(0x9000, PTE_P | PTE_W);
        tlb.Translate(0x5000, Access.Read, Privilege.Supervisor);
        Assert.Equal(0UL, it.Entry & PTE_D);
        tlb.Translate(0x5000, Access.Write, Privilege.Supervisor);
        Assert.Equal(2L, tlb.Misses);
        Assert.Equal(PTE_D, it.Entry & PTE_D);
        tlb.Translate(0x5008, Access.Write, Privilege.Supervisor);
        Assert.Equal(1L, tlb.Hits);
    }

    [Fact]
    public void Cached_rights_are_the_and_of_all_levels_and_faults_carry_the_error_code()
    {
        var (_, _, pt, tlb) = Machine();
        pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_U);
        tlb.Translate(0x5000, Access.Read, Privilege.User);
        Assert.False(tlb.TryTranslate(0x5000, Access.Write, Privilege.User, out _, out var f));
        Assert.Equal(PageFaultError.Present | PageFaultError.Write | PageFaultError.User, f.ErrorCode);
        Assert.Equal(0x5000UL, f.Cr2);
        Assert.False(tlb.TryTranslate(0x0000_8000_0000_0000, Access.Read, Privilege.User, out _, out var gp));
        Assert.Equal(FaultKind.GeneralProtection, gp.Kind);
    }

    [Fact]
    public void Invlpg_anywhere_in_a_large_page_drops_all_its_cached_pieces()
    {
        var (_, _, pt, tlb) = Machine();
        var it = pt.Iter(0x200000);
        it.MapLarge(0x0, PTE_P | PTE_W, 1);
        tlb.Translate(0x200000, Access.Read, Privilege.Supervisor);
        tlb.Translate(0x3FF000, Access.Read, Privilege.Supervisor);
        it.Find(0x200000).MapLarge(0x400000, PTE_P | PTE_W, 1);
        Assert.Equal(0x1FF000UL, tlb.Translate(0x3FF000, Access.Read, Privilege.Supervisor));   // stale
        tlb.Invlpg(0x250000);
        Assert.Equal(0x400000UL, tlb.Translate(0x200000, Access.Read, Privilege.Supervisor));
        Assert.Equal(0x5FF000UL, tlb.Translate(0x3FF000, Access.Read, Privilege.Supervisor));
    }
}

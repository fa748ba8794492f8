using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

/// <summary>The access rules of Intel SDM vol. 3A chapter 4, one rule per test.</summary>
public class MmuTests
{
    private readonly PhysicalMemory _memory = new();
    private readonly FrameAllocator _frames;
    private readonly PageTable _pt;
    private readonly Mmu _mmu;

    public MmuTests()
    {
        _frames = new FrameAllocator(_memory);
        _frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        _pt = PageTable.Create(_frames);
        _mmu = new Mmu(_memory);
    }

    private MemoryFault Fault(ulong va, Access access, Privilege priv)
    {
        Assert.False(_mmu.TryTranslate(_pt.Root, va, access, priv, out _, out var f));
        return f;
    }

    [Fact]
    public void Translation_replaces_the_page_number_and_keeps_the_offset()
    {
        _pt.Iter(0x4000).Map(0x19000, PTE_P | PTE_W);
        Assert.Equal(0x19ABCUL, _mmu.Translate(_pt.Root, 0x4ABC, Access.Read, Privilege.Supervisor));
    }

    [Fact]
    public void Not_present_fault_has_P_clear_and_CR2_set()
    {
        var f = Fault(0x7123, Access.Write, Privilege.User);
        Assert.Equal(FaultKind.PageFault, f.Kind);
        Assert.Equal(0x7123UL, f.Cr2);
        Assert.Equal(PageFaultError.Write | PageFaultError.User, f.ErrorCode);
        Assert.Equal(14, f.Vector);
    }

    [Fact]
    public void Non_canonical_address_is_a_general_protection_fault()
    {
        var f = Fault(0x0000_8000_0000_0000, Access.Read, Privilege.Supervisor);
        Assert.Equal(FaultKind.GeneralProtection, f.Kind);
        Assert.Equal(13, f.Vector);
        Assert.True(VirtualAddress.IsCanonical(0xFFFF_8000_0000_0000));
        Assert.False(VirtualAddress.IsCanonical(0x0001_0000_0000_0000));
    }

    [Fact]
    public void User_access_needs_U_at_every_level()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_W | PTE_U);
        Assert.True(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Write, Privilege.User, out _, out _));
        // Clear U in the PML4 entry only: the leaf still says U, the AND across levels says no.
        ulong pml4e = _pt.Root;
        _memory.WriteU64(pml4e, _memory.ReadU64(pml4e) & ~PTE_U);
        var f = Fault(0x5000, Access.Read, Privilege.User);
        Assert.Equal(PageFaultError.Present | PageFaultError.User, f.ErrorCode);
        Assert.True(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Read, Privilege.Supervisor, out _, out _));
    }

    [Fact]
    public void Writes_need_W_at_every_level_and_CR0_WP_binds_the_supervisor()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_U);
        Assert.Equal(PageFaultError.Present | PageFaultError.Write | PageFaultError.User, Fault(0x5000, Access.Write, Privilege.User).ErrorCode);
        Assert.Equal(PageFaultError.Present | PageFaultError.Write, Fault(0x5000, Access.Write, Privilege.Supervisor).ErrorCode);
        _mmu.WriteProtect = false;
        Assert.True(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Write, Privilege.Supervisor, out _, out _));
        Assert.False(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Write, Privilege.User, out _, out _));
    }

    [Fact]
    public void NX_at_any_level_forbids_fetches_when_EFER_NXE_is_set()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_U);
        Assert.True(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Fetch, Privilege.User, out _, out _));
        ulong pdpteAddr = Pte.Address(_memory.ReadU64(_pt.Root));   // PDPT page; entry 0 maps 0x5000
        _memory.WriteU64(pdpteAddr, _memory.ReadU64(pdpteAddr) | PTE_NX);
        Assert.Equal(PageFaultError.Present | PageFaultError.User | PageFaultError.InstructionFetch, Fault(0x5000, Access.Fetch, Privilege.User).ErrorCode);
        Assert.True(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Read, Privilege.User, out _, out _));
        Assert.NotEqual(0UL, _pt.Iter(0x5000).Perm & PTE_NX);   // VmIter ORs NX across levels
        _mmu.NoExecuteEnable = false;                          // now bit 63 is a reserved bit
        Assert.Equal(PageFaultError.Present | PageFaultError.User | PageFaultError.ReservedBit, Fault(0x5000, Access.Fetch, Privilege.User).ErrorCode);
    }

    [Fact]
    public void Reserved_bits_give_RSVD_faults()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_W);
        var it = _pt.Iter(0x5000);
        _memory.WriteU64(it.EntryAddress, it.Entry | (1UL << 50));   // above MAXPHYADDR = 46
        Assert.Equal(PageFaultError.Present | PageFaultError.ReservedBit, Fault(0x5000, Access.Read, Privilege.Supervisor).ErrorCode);
        _memory.WriteU64(_pt.Root, _memory.ReadU64(_pt.Root) | PTE_PS);   // PS is reserved in a PML4E
        Assert.Equal(PageFaultError.Present | PageFaultError.ReservedBit, Fault(0x6000, Access.Read, Privilege.Supervisor).ErrorCode);
    }

    [Fact]
    public void Accessed_is_set_at_every_level_and_dirty_only_on_write_to_the_leaf()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_W);
        var it = _pt.Iter(0x5000);
        Assert.Equal(0UL, it.Entry & (PTE_A | PTE_D));
        _mmu.Translate(_pt.Root, 0x5000, Access.Read, Privilege.Supervisor);
        Assert.Equal(PTE_A, it.Entry & (PTE_A | PTE_D));
        Assert.NotEqual(0UL, _memory.ReadU64(_pt.Root) & PTE_A);
        Assert.Equal(0UL, _memory.ReadU64(_pt.Root) & PTE_D);
        _mmu.Translate(_pt.Root, 0x5000, Access.Write, Privilege.Supervisor);
        Assert.Equal(PTE_A | PTE_D, it.Entry & (PTE_A | PTE_D));
        Assert.Equal(0UL, _memory.ReadU64(_pt.Root) & PTE_D);
    }

    [Fact]
    public void A_faulting_access_changes_nothing()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P);
        byte[] before = Snapshot();
        Assert.False(_mmu.TryTranslate(_pt.Root, 0x5000, Access.Write, Privilege.User, out _, out _));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Large_pages_translate_with_21_and_30_bit_offsets()
    {
        var it = _pt.Iter(0x4000_0000);
        it.MapLarge(0x20_0000, PTE_P | PTE_W, 1);
        it.Find(0x80_0000_0000).MapLarge(0x4000_0000, PTE_P | PTE_W, 2);
        Assert.Equal(0x21_2345UL, _mmu.Translate(_pt.Root, 0x4001_2345, Access.Read, Privilege.Supervisor));
        Assert.Equal(0x4765_4321UL, _mmu.Translate(_pt.Root, 0x80_0765_4321, Access.Read, Privilege.Supervisor));
        Assert.Equal(1, it.Find(0x4001_2345).Level);
        Assert.Equal(0x21_2345UL, it.Pa);
        Assert.Equal(0x20_0000UL, it.RangeSize);
        // Bits 20:13 of a 2 MiB PDE are reserved.
        it.Find(0x4000_0000);
        _memory.WriteU64(it.EntryAddress, it.Entry | 0x2000);
        Assert.Equal(PageFaultError.Present | PageFaultError.ReservedBit, Fault(0x4000_0000, Access.Read, Privilege.Supervisor).ErrorCode);
    }

    [Fact]
    public void Trace_records_each_level_and_the_accessed_bits_it_set()
    {
        _pt.Iter(0x5000).Map(0x9000, PTE_P | PTE_W);
        var t = _mmu.Trace(_pt.Root, 0x5123, Access.Read, Privilege.Supervisor);
        Assert.Equal([3, 2, 1, 0], t.Steps.Select(s => s.Level));
        Assert.Equal(5, t.Steps[3].Index);
        Assert.Equal(0x9123UL, t.Pa);
        Assert.All(t.Steps, s => Assert.Equal(PTE_A, s.EntryAfter & ~s.EntryBefore));
    }

    private byte[] Snapshot()
    {
        var b = new byte[_memory.Size];
        _memory.Read(0, b);
        return b;
    }
}

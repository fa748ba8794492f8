using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Exercises;

/// <summary>A region of the demo address space and what it shows.</summary>
public sealed record DemoRegion(ulong Va, ulong Size, ulong Pa, ulong Perm, string Description);

/// <summary>
/// A small WeensyOS-like machine for the walk exercise: 2 MiB of memory, one page table with a kernel
/// identity map, a console page users may write, a user process with read-only code and no-execute data,
/// a 2 MiB and a 1 GiB page, and one deliberately corrupted entry (a reserved address bit set).
/// </summary>
public sealed class DemoMachine
{
    /// <summary>
    /// The demo's user virtual addresses: UserCode (read-only code page, P|U), UserData (data page, P|W|U|NX) and
    /// Console (the console page, user-writable, identity-mapped).
    /// </summary>
    public const ulong UserCode = 0x100000, UserData = 0x101000, Console = 0xB8000;
    /// <summary>
    /// LargePage: a 2 MiB page (PS in the PDE, supervisor-only); HugePage: a 1 GiB global page in the high half (PS in
    /// the PDPTE); Corrupted: a user page whose PTE has reserved address bit 50 set (walks fault with RSVD).
    /// </summary>
    public const ulong LargePage = 0x8000_0000, HugePage = 0xFFFF_FFFF_C000_0000, Corrupted = 0x300000;

    private DemoMachine(PhysicalMemory memory, FrameAllocator frames, PageTable table, Mmu mmu, IReadOnlyList<DemoRegion> regions)
    {
        Memory = memory;
        Frames = frames;
        Table = table;
        Mmu = mmu;
        Regions = regions;
    }

    /// <summary>The machine's 2 MiB of physical memory.</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>The frame allocator the table pages and the user pages came from.</summary>
    public FrameAllocator Frames { get; }
    /// <summary>The one page table (its <see cref="PageTable.Root"/> is what CR3 would hold).</summary>
    public PageTable Table { get; }
    /// <summary>The MMU to walk the table with, e.g. <c>Mmu.Trace(Table.Root, va, access, privilege)</c>.</summary>
    public Mmu Mmu { get; }
    /// <summary>The mapped regions in address order, each with what it shows.</summary>
    public IReadOnlyList<DemoRegion> Regions { get; }

    /// <summary>Builds the machine; every run gives the same physical layout.</summary>
    public static DemoMachine Create()
    {
        var memory = new PhysicalMemory();
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        frames.Reserve(0x1000, 0xFF000, FrameOwner.Kernel);
        frames.Reserve(Console, 0x1000, FrameOwner.Console);
        var pt = PageTable.Create(frames);
        var it = pt.Iter();
        for (ulong va = 0x1000; va < 0x100000; va += 0x1000)
            it.Find(va).Map(va, va == Console ? PTE_P | PTE_W | PTE_U : PTE_P | PTE_W);

        ulong code = frames.Allocate(FrameOwner.Process, 1);
        it.Find(UserCode).Map(code, PTE_P | PTE_U);
        ulong data = frames.Allocate(FrameOwner.Process, 1);
        it.Find(UserData).Map(data, PTE_P | PTE_W | PTE_U | PTE_NX);
        it.Find(LargePage).MapLarge(0, PTE_P | PTE_W, 1);
        it.Find(HugePage).MapLarge(0, PTE_P | PTE_W | PTE_G, 2);
        ulong victim = frames.Allocate(FrameOwner.Process, 1);
        it.Find(Corrupted).Map(victim, PTE_P | PTE_W | PTE_U);
        // A stray store sets bit 50 of that PTE: above MAXPHYADDR (46), so the MMU must report RSVD.
        memory.WriteU64(it.EntryAddress, it.Entry | (1UL << 50));

        var regions = new List<DemoRegion>
        {
            new(0, 0x1000, 0, 0, "null page: unmapped, so *nullptr faults"),
            new(0x1000, 0xFF000, 0x1000, PTE_P | PTE_W, "kernel identity map, supervisor-only"),
            new(Console, 0x1000, Console, PTE_P | PTE_W | PTE_U, "CGA console, writable by user code"),
            new(UserCode, 0x1000, code, PTE_P | PTE_U, "user code: read-only, executable"),
            new(UserData, 0x1000, data, PTE_P | PTE_W | PTE_U | PTE_NX, "user data: writable, no-execute"),
            new(Corrupted, 0x1000, victim, PTE_P | PTE_W | PTE_U, "user page whose PTE has reserved bit 50 set"),
            new(LargePage, 0x200000, 0, PTE_P | PTE_W | PTE_PS, "2 MiB page (PDE with PS) onto physical 0"),
            new(HugePage, 0x4000_0000, 0, PTE_P | PTE_W | PTE_PS | PTE_G, "1 GiB global page (PDPTE with PS), kernel high half"),
        };
        return new DemoMachine(memory, frames, pt, new Mmu(memory), regions);
    }
}

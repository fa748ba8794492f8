using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>
/// The checker reads each table page once (TableScan) instead of walking from the root per page: on tables with
/// 4 KiB and 2 MiB pages, upper-level entries that take away W or U or add NX, and not-present entries holding
/// software bits, it must see exactly the table pages PtIter visits and the user pages VmIter sees.
/// </summary>
public class TableScanTests
{
    [Fact]
    public void The_one_pass_scan_sees_what_the_iterators_see()
    {
        var rng = new Random(26);
        for (int round = 0; round < 200; round++)
        {
            var memory = new PhysicalMemory(MemSizePhysical);
            var frames = new FrameAllocator(memory);
            frames.Reserve(0, PageSize, FrameOwner.Reserved);
            var pt = PageTable.Create(frames, 1);
            var it = pt.Iter();
            if (rng.Next(3) == 0) it.Find(0x200000).MapLarge(0x200000, PTE_P | PTE_W | PTE_U, 1);
            for (int i = 0; i < rng.Next(1, 300); i++)
            {
                ulong va = (ulong)rng.Next((int)(MemSizeVirtual / PageSize)) * PageSize;
                ulong[] perms = [PTE_P | PTE_U, PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U | PTE_NX, PTE_P | PTE_W, PTE_P];
                it.Find(va);
                if (it.Level == 0) it.Map((ulong)rng.Next(1, (int)(MemSizePhysical / PageSize)) * PageSize, perms[rng.Next(perms.Length)]);
            }
            Scribble(pt, memory, rng);
            var expected = Iterated(pt);
            var tables = new List<ulong>();
            var pages = new List<UserPage>();
            TableScan.Scan(memory, pt.Root, tables, pages);
            Assert.Equal(expected.Tables, tables);
            Assert.Equal(expected.Pages, pages);
        }
    }

    // Upper-level entries lose W or U or gain NX; some empty leaf entries get software bits.
    private static void Scribble(PageTable pt, PhysicalMemory memory, Random rng)
    {
        var uppers = new List<ulong>();
        for (var t = pt.TablePages(); !t.Done; t.Next())
            for (ulong e = 0; e < 512; e++)
            {
                ulong at = t.Pa + e * 8, entry = memory.ReadU64(at);
                if (t.Level > 0 && (entry & PTE_P) != 0) uppers.Add(at);
                else if (t.Level == 0 && entry == 0 && rng.Next(200) == 0) memory.WriteU64(at, 0x5000 | 0x200);
            }
        foreach (ulong at in uppers)
            if (rng.Next(4) == 0) memory.WriteU64(at, memory.ReadU64(at) & ~(rng.Next(2) == 0 ? PTE_W : PTE_U) | (rng.Next(2) == 0 ? PTE_NX : 0));
    }

    private static (List<ulong> Tables, List<UserPage> Pages) Iterated(PageTable pt)
    {
        var tables = new List<ulong> { pt.Root };
        for (var t = pt.TablePages(); !t.Done; t.Next()) tables.Add(t.Pa);
        var pages = new List<UserPage>();
        for (var it = pt.Iter(); it.Va < MemSizeVirtual; it.Next())
            if (it.User) pages.Add(new UserPage(it.Va, it.Pa, it.Perm, it.Entry));
        return (tables, pages);
    }
}

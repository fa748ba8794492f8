using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

/// <summary>Randomised agreement between the three views of one table: VmIter, the MMU's walk, and the TLB.</summary>
public class ModelTests
{
    private static (PhysicalMemory, PageTable, List<ulong>) RandomTable(int seed)
    {
        var m = new PhysicalMemory(16UL << 20);
        var f = new FrameAllocator(m);
        f.Reserve(0, 0x1000, FrameOwner.Reserved);
        var pt = PageTable.Create(f);
        var rng = new Random(seed);
        var vas = new List<ulong>();
        var it = pt.Iter();
        for (int i = 0; i < 300; i++)
        {
            ulong va = ((ulong)rng.Next(4) << 30) | ((ulong)rng.Next(8) << 21) | ((ulong)rng.Next(64) << 12);
            ulong perm = PTE_P | (rng.Next(2) == 0 ? PTE_W : 0) | (rng.Next(2) == 0 ? PTE_U : 0) | (rng.Next(4) == 0 ? PTE_NX : 0);
            it.Find(va).Map((ulong)rng.Next(1, 4096) << 12, perm);
            vas.Add(va);
        }
        // Knock W, U or add NX on some upper-level entries so the AND/OR across levels matters.
        var lines = pt.Dump().Where(l => !l.Leaf).ToList();
        foreach (var l in lines.Where(_ => rng.Next(5) == 0))
        {
            ulong bit = rng.Next(3) switch { 0 => PTE_W, 1 => PTE_U, _ => PTE_NX };
            ulong at = l.TablePa + (ulong)l.Index * 8;
            m.WriteU64(at, bit == PTE_NX ? m.ReadU64(at) | PTE_NX : m.ReadU64(at) & ~bit);
        }
        return (m, pt, vas);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_mmu_allows_exactly_what_vmiter_perm_allows(int seed)
    {
        var (m, pt, _) = RandomTable(seed);
        var mmu = new Mmu(m);
        var rng = new Random(seed * 7919);
        for (int i = 0; i < 5000; i++)
        {
            ulong va = ((ulong)rng.Next(4) << 30) | ((ulong)rng.Next(8) << 21) | ((ulong)rng.Next(64) << 12) | (uint)rng.Next(4096);
            var access = (Access)rng.Next(3);
            var priv = (Privilege)rng.Next(2);
            mmu.WriteProtect = rng.Next(4) != 0;
            var it = pt.Iter(va);
            ulong perm = it.Perm;
            bool expected = (perm & PTE_P) != 0
                && (priv == Privilege.Supervisor || (perm & PTE_U) != 0)
                && (access != Access.Write || (perm & PTE_W) != 0 || (priv == Privilege.Supervisor && !mmu.WriteProtect))
                && (access != Access.Fetch || (perm & PTE_NX) == 0);
            bool ok = mmu.TryTranslate(pt.Root, va, access, priv, out ulong pa, out var fault);
            Assert.True(expected == ok, $"va 0x{va:x} {access} {priv} perm {FormatFlags(perm)}: mmu said {fault}");
            if (ok) Assert.Equal(it.Pa, pa);
            else Assert.Equal(((perm & PTE_P) != 0 ? PageFaultError.Present : 0) | (access == Access.Write ? PageFaultError.Write : 0)
                              | (priv == Privilege.User ? PageFaultError.User : 0) | (access == Access.Fetch ? PageFaultError.InstructionFetch : 0),
                              fault.ErrorCode);
        }
    }

    [Fact]
    public void With_invlpg_after_every_change_the_tlb_always_agrees_with_a_fresh_walk()
    {
        var (m, pt, vas) = RandomTable(11);
        var tlb = new Tlb(new Mmu(m), 16);
        var reference = new Mmu(m);
        tlb.LoadCr3(pt.Root);
        var rng = new Random(12);
        var it = pt.Iter();
        for (int i = 0; i < 20000; i++)
        {
            ulong va = vas[rng.Next(vas.Count)] | (uint)rng.Next(4096);
            if (rng.Next(10) == 0)
            {
                ulong perm = PTE_P | (rng.Next(2) == 0 ? PTE_W : 0) | (rng.Next(2) == 0 ? PTE_U : 0);
                try { it.Find(va & ~0xFFFUL).Map((ulong)rng.Next(1, 4096) << 12, perm); }
                catch (ArgumentException) { continue; }    // a user page under a supervisor-only upper entry
                tlb.Invlpg(va);
                continue;
            }
            var access = (Access)rng.Next(3);
            var priv = (Privilege)rng.Next(2);
            bool ok = tlb.TryTranslate(va, access, priv, out ulong pa, out var fault);
            bool refOk = reference.TryTranslate(pt.Root, va, access, priv, out ulong refPa, out var refFault);
            Assert.Equal(refOk, ok);
            Assert.Equal(refPa, pa);
            Assert.Equal(refFault, fault);
        }
        Assert.True(tlb.Hits > 0 && tlb.Misses > 0);
    }

    [Fact]
    public void Copy_mappings_with_vmiter_reproduces_every_mapping()
    {
        // Seed 003 E1: copy [0, 4 GiB) of src into an empty dst with vmiter alone.
        var (m, src, _) = RandomTable(21);
        var frames = new FrameAllocator(m);   // a second allocator: keep it off src's table pages
        for (ulong pa = 0; pa < m.Size; pa += 0x1000)
            if (m.IsTouched(pa)) frames.Reserve(pa, 0x1000, FrameOwner.PageTable);
        var dst = PageTable.Create(frames);
        var d = dst.Iter();
        for (var s = src.Iter(); s.Va < 1UL << 32; s.Next())
            if (s.Present) d.Find(s.Va).Map(s.Pa, s.Perm & (PTE_P | PTE_W | PTE_U));
        var a = src.Iter();
        for (var b = dst.Iter(); b.Va < 1UL << 32; b.Next())
        {
            a.Find(b.Va);
            Assert.Equal(a.Pa, b.Pa);
            Assert.Equal(a.Perm & (PTE_P | PTE_W | PTE_U), b.Perm & (PTE_P | PTE_W | PTE_U));
        }
    }
}

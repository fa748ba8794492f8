using System.Text;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Exercises;

/// <summary>One read in the demo: what was done just before, what the CPU read, and what memory says it should be.</summary>
public sealed record TlbDemoStep(string Action, string Read, string Expected, bool Stale, long Hits, long Misses);

/// <summary>The whole demo: each step, and whether the stale read and its cure were both observed.</summary>
public sealed record TlbDemoResult(ulong Va, ulong OldFrame, ulong NewFrame, IReadOnlyList<TlbDemoStep> Steps,
    bool StaleReadSeen, bool InvlpgFixed, bool GlobalSurvivedCr3Reload);

/// <summary>
/// A mapping change the TLB does not see: map va to frame A, read, remap va to frame B by writing the PTE,
/// read again without INVLPG (the CPU still reads A), then INVLPG and read B. Then a global page read
/// before a CR3 reload is shown to stay cached across it while an ordinary page does not.
/// </summary>
public static class TlbDemo
{
    /// <summary>
    /// Va: the ordinary user page remapped from frame A to frame B; GlobalVa: the page mapped with PTE_G that survives
    /// a CR3 reload.
    /// </summary>
    internal const ulong Va = 0x200000, GlobalVa = 0x201000;

    /// <summary>Runs the demonstration on a fresh machine and reports what each read returned; deterministic.</summary>
    public static TlbDemoResult Run()
    {
        var memory = new PhysicalMemory();
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        var pt = PageTable.Create(frames, 1);
        ulong a = frames.Allocate(FrameOwner.Process, 1), b = frames.Allocate(FrameOwner.Process, 1), g = frames.Allocate(FrameOwner.Kernel);
        memory.Write(a, "old frame A"u8);
        memory.Write(b, "new frame B"u8);
        memory.Write(g, "global page"u8);
        var it = pt.Iter(Va);
        it.Map(a, PTE_P | PTE_W | PTE_U);
        it.Find(GlobalVa).Map(g, PTE_P | PTE_W | PTE_G);

        var tlb = new Tlb(new Mmu(memory));
        tlb.LoadCr3(pt.Root);
        var steps = new List<TlbDemoStep>();
        void Read(string action, ulong va)
        {
            ulong pa = tlb.Translate(va, Access.Read, Privilege.User);
            var expectedIt = pt.Iter(va);
            string read = Text(memory, pa), expected = Text(memory, expectedIt.Pa);
            steps.Add(new TlbDemoStep(action, read, expected, read != expected, tlb.Hits, tlb.Misses));
        }

        Read("first read: TLB miss, walk, fill", Va);
        Read("second read: TLB hit", Va);
        it.Find(Va).Map(b, PTE_P | PTE_W | PTE_U);
        Read("PTE rewritten to frame B, no INVLPG", Va);
        tlb.Invlpg(Va);
        Read("INVLPG, then read", Va);
        bool stale = steps[2].Stale, fixedByInvlpg = steps[2].Stale && !steps[3].Stale;

        tlb.Translate(GlobalVa, Access.Read, Privilege.Supervisor);
        long missesBefore = tlb.Misses;
        tlb.LoadCr3(pt.Root);
        tlb.Translate(GlobalVa, Access.Read, Privilege.Supervisor);
        bool globalKept = tlb.Misses == missesBefore;
        tlb.Translate(Va, Access.Read, Privilege.User);
        steps.Add(new TlbDemoStep("CR3 reload: global page still cached, ordinary page walked again",
            globalKept ? "global hit" : "global missed", "global hit", !globalKept, tlb.Hits, tlb.Misses));
        return new TlbDemoResult(Va, a, b, steps, stale, fixedByInvlpg, globalKept);
    }

    private static string Text(PhysicalMemory memory, ulong pa)
    {
        Span<byte> buf = stackalloc byte[11];
        memory.Read(pa, buf);
        return Encoding.ASCII.GetString(buf);
    }
}

using VmLab.Sim.Paging;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Web;

/// <summary>The TLB as seen by one process: its entries if the CPU holds that process's CR3, and the counters.</summary>
internal sealed record TlbView(int Pid, ulong Cr3, ulong LoadedCr3, bool Loaded, long Hits, long Misses, int Capacity,
    long Cr3Loads, long Invlpgs, ulong? LastInvlpg, IReadOnlyList<TlbEntryView> Entries, string Note)
{
    public static TlbView? Of(SimKernel k, int pid)
    {
        var pt = pid == 0 ? k.KernelPageTable : k.Find(pid)?.PageTable;
        if (pt is null) return null;
        bool loaded = k.Tlb.Cr3 == pt.Root;
        var entries = loaded ? k.Tlb.Entries() : [];
        string note = loaded
            ? $"the CPU runs with this page table (CR3 = 0x{pt.Root:x}): {entries.Count} cached translations. A context switch loads another CR3 and drops them all; the kernel reloads CR3 after changing a mapping."
            : $"the CPU holds CR3 = 0x{k.Tlb.Cr3:x}, not this table: none of its translations are cached (loading its CR3 flushes the TLB).";
        return new TlbView(pid, pt.Root, k.Tlb.Cr3, loaded, k.Tlb.Hits, k.Tlb.Misses, k.Tlb.Capacity,
            k.Tlb.Cr3Loads, k.Tlb.Invlpgs, k.Tlb.LastInvlpg, entries, note);
    }
}

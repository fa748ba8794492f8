using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>The reference copy_mappings, free_everything, exit and C1 remap (contracts on the interfaces).</summary>
public sealed class ReferenceMemory : ICopyMappings, IFreeEverything, IExit, IRemap
{
    /// <summary>The one instance (the class has no state).</summary>
    public static ReferenceMemory Instance { get; } = new();

    /// <inheritdoc/>
    public void CopyMappings(PageTable dst, PageTable src)
    {
        var d = dst.Iter();
        for (var s = src.Iter(); s.Va < MemSizeVirtual; s.Next())
            if (s.Present) d.Find(s.Va).Map(s.Pa, s.Perm & Kernel.MappingPerm);
    }

    // The loop starts at PROC_START_ADDR, not 0: the console is user-accessible but belongs to the kernel.
    /// <inheritdoc/>
    public void FreeEverything(Kernel k, PageTable pt)
    {
        for (var it = pt.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User) k.Frames.Free(it.Pa);
        for (var pi = pt.TablePages(); !pi.Done; pi.Next())
            k.Frames.Free(pi.Pa);
        k.Frames.Free(pt.Root);
    }

    /// <inheritdoc/>
    public void FreeProcess(Kernel k, Process p) => FreeEverything(k, p.PageTable);

    // vmiter(pt, va).map(vmiter(pt, targetVa).pa(), PTE_P | PTE_U), with the reference counts kept true.
    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Either address is not a mapped user page.</exception>
    public void Remap(Kernel k, Process p, ulong va, ulong targetVa)
    {
        var src = p.PageTable.Iter(targetVa & ~(PageSize - 1));
        var dst = p.PageTable.Iter(va & ~(PageSize - 1));
        if (!src.User || !dst.User || !IsUserPage(dst.Va)) throw new ArgumentException("remap: both addresses must be mapped user pages");
        ulong old = dst.Pa, frame = src.Pa;
        k.Frames.AddReference(frame);
        dst.Map(frame, PTE_P | PTE_U | PTE_NX);
        k.Frames.Free(old);
    }
}

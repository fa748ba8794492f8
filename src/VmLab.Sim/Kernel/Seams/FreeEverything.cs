using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>E3 free_everything: gives back (Frames.Free) every frame mapped user-accessible in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) (a shared frame just loses one reference), then every page-table page
/// of pt, the root last. Frames of the kernel half, the console among them, are not the process's.</summary>
public interface IFreeEverything
{
    /// <summary>
    /// Frees every user frame of <paramref name="pt"/> (one reference each), then its table pages, the root last (the
    /// contract above).
    /// </summary>
    void FreeEverything(Kernel k, PageTable pt);
}

public sealed partial class ReferenceMemory : IFreeEverything
{
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
}

public sealed partial record KernelSeams
{
    /// <summary>E3 free_everything (exit and a failed fork use it).</summary>
    public IFreeEverything FreeEverything { get; init; } = ReferenceMemory.Instance;
}

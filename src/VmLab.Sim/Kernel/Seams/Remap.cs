using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>C1 the one mapping change: afterwards va's page maps the frame behind targetVa, P|U (read-only),
/// and no byte of memory was written. The frame gains a reference; the one va used to map loses its own.</summary>
public interface IRemap
{
    /// <summary>
    /// Makes <paramref name="va"/>'s page map the frame behind <paramref name="targetVa"/> read-only, fixing both
    /// reference counts (the contract above).
    /// </summary>
    void Remap(Kernel k, Process p, ulong va, ulong targetVa);
}

public sealed partial class ReferenceMemory : IRemap
{
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

public sealed partial record KernelSeams
{
    /// <summary>C1 remap.</summary>
    public IRemap Remap { get; init; } = ReferenceMemory.Instance;
}

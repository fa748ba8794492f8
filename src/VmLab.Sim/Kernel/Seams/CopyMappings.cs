using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>E1 copy_mappings: after the call, every va in [0, MEMSIZE_VIRTUAL) that src maps, dst maps to the
/// same pa with the same permissions (P, W, U, NX). dst starts empty. Frames are shared, not copied, and their
/// reference counts are not touched: that is the caller's business.</summary>
public interface ICopyMappings
{
    /// <summary>
    /// Makes <paramref name="dst"/> map every user-half va that <paramref name="src"/> maps, to the same frame with the
    /// same P, W, U, NX bits (the contract above).
    /// </summary>
    void CopyMappings(PageTable dst, PageTable src);
}

public sealed partial class ReferenceMemory : ICopyMappings
{
    /// <inheritdoc/>
    public void CopyMappings(PageTable dst, PageTable src)
    {
        var d = dst.Iter();
        for (var s = src.Iter(); s.Va < MemSizeVirtual; s.Next())
            if (s.Present) d.Find(s.Va).Map(s.Pa, s.Perm & Kernel.MappingPerm);
    }
}

public sealed partial record KernelSeams
{
    /// <summary>E1 copy_mappings.</summary>
    public ICopyMappings CopyMappings { get; init; } = ReferenceMemory.Instance;
}

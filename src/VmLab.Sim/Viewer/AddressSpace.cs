using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Viewer;

/// <summary>A run of present virtual pages mapped by one entry: [Va, End) onto frames from Pa, with the
/// effective permissions of the walk (<see cref="VmIter.Perm"/>) and the leaf entry itself.</summary>
public readonly record struct MappedRange(ulong Va, ulong End, ulong Pa, ulong Perm, ulong Entry)
{
    /// <summary>4 KiB pages in the run, (End - Va) / 4096.</summary>
    public ulong Pages => (End - Va) >> PhysicalMemory.FrameShift;
}

/// <summary>
/// What the memory views share, so the terminal viewer and <see cref="MachineSnapshot"/> read owners and rights
/// the same way: the present mappings of an address space, the access class of a mapping, and owner names.
/// </summary>
public static class AddressSpace
{
    /// <summary>The present mappings of <paramref name="pt"/> in [0, <paramref name="limit"/>), in address order.</summary>
    public static IEnumerable<MappedRange> Ranges(PageTable pt, ulong limit)
    {
        var it = pt.Iter(0);
        for (ulong va = 0; va < limit;)
        {
            it.Find(va);
            ulong end = it.LastVa == 0 || it.LastVa > limit ? limit : it.LastVa;
            if (it.Present) yield return new MappedRange(va, end, it.Pa, it.Perm, it.Entry);
            va = end;
        }
    }

    /// <summary>The snake_case name of an owner, as JSON and the viewer's counts spell it.</summary>
    public static string OwnerName(FrameOwner owner) => owner switch
    {
        FrameOwner.PageTable => "page_table",
        _ => owner.ToString().ToLowerInvariant(),
    };

    /// <summary>U user read/write, u user read-only, K kernel-only read/write, k kernel-only read-only.</summary>
    public static char Access(ulong perm) => MapCell.AccessOf(perm);
}

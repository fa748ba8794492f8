namespace VmLab.Linux.Faults;

/// <summary>How a fault inside a <see cref="FaultRegion"/> is cured before the faulting access is retried.</summary>
public enum FaultPolicy
{
    /// <summary>mprotect the faulting page read-write (the seed's idempotent.c): for a reserved, protected range.</summary>
    MakeAccessible = Interop.Faults.VMLAB_POLICY_MAKE_ACCESSIBLE,

    /// <summary>mprotect the faulting page read-only; a write fault is not cured and is passed on.</summary>
    MakeReadable = Interop.Faults.VMLAB_POLICY_MAKE_READABLE,

    /// <summary>
    /// mmap a fresh zero-filled read-write page at the faulting page (the seed's ondemand.c): for a range that
    /// is not mapped at all. Never replaces a mapping that is already there (MAP_FIXED_NOREPLACE): if something
    /// else was mapped into the hole, the fault is passed on instead of destroying that mapping.
    /// </summary>
    MapFreshPage = Interop.Faults.VMLAB_POLICY_MAP_FRESH_PAGE,

    /// <summary>
    /// On a write, give the whole region fresh frames holding its current bytes, at the same address, read-write
    /// (seed 001 B's split, "Replacing a Mapping"): for a read-only view of frames shared with another view, made
    /// by <see cref="Mapping.Duplicate"/>. Afterwards the region owns its frames alone; the other view keeps the
    /// old ones. A read fault is not cured and is passed on.
    /// </summary>
    SplitOnWrite = Interop.Faults.VMLAB_POLICY_SPLIT_ON_WRITE,
}

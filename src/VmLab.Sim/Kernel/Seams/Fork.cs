using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>fork's memory half: a new page table for childPid (start from k.NewPageTable) whose user half
/// matches the parent's: writable pages copied onto fresh frames, read-only pages shared with one more
/// reference each. Null when memory runs out, with everything the attempt took given back.</summary>
public interface IFork
{
    /// <summary>
    /// Builds <paramref name="childPid"/>'s page table from <paramref name="parent"/>'s; null when memory ran out, with
    /// nothing left allocated (the contract above).
    /// </summary>
    PageTable? ForkMemory(Kernel k, Process parent, int childPid);
}

/// <summary>The reference fork (E2's answer): writable pages copied now, read-only pages shared.</summary>
public sealed class CopyFork : IFork
{
    /// <summary>The one instance (the class has no state).</summary>
    public static CopyFork Instance { get; } = new();

    /// <inheritdoc/>
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        if (k.NewPageTable(childPid) is not { } child) return null;
        var dst = child.Iter();
        for (var src = parent.PageTable.Iter(ProcStartAddr); src.Va < MemSizeVirtual && src.Va >= ProcStartAddr; src.Next())
        {
            if (!src.User) continue;
            ulong perm = src.Entry & Kernel.MappingPerm;
            if ((perm & (PTE_W | Kernel.PTE_COW)) != 0)
            {
                if (!k.MapFresh(child, src.Va, perm, k.Memory.FrameSpan(src.Pa))) return k.Abandon(child);
                continue;
            }
            if (!dst.Find(src.Va).TryMap(src.Pa, perm)) return k.Abandon(child);
            k.Frames.AddReference(src.Pa);
        }
        return child;
    }
}

/// <summary>Copy-on-write fork: writable pages become read-only + PTE_COW in parent and child alike; the
/// kernel's write-fault handler gives the first writer its private copy.</summary>
public sealed class CowFork : IFork
{
    /// <summary>The one instance (the class has no state).</summary>
    public static CowFork Instance { get; } = new();

    /// <summary>
    /// Builds the child's table sharing every user frame (one more reference each); writable pages lose PTE_W and gain
    /// PTE_COW in the parent too. Null when memory ran out.
    /// </summary>
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        if (k.NewPageTable(childPid) is not { } child) return null;
        var dst = child.Iter();
        for (var src = parent.PageTable.Iter(ProcStartAddr); src.Va < MemSizeVirtual && src.Va >= ProcStartAddr; src.Next())
        {
            if (!src.User) continue;
            ulong perm = src.Entry & Kernel.MappingPerm;
            if ((perm & (PTE_W | Kernel.PTE_COW)) != 0)
            {
                perm = (perm & ~PTE_W) | Kernel.PTE_COW;
                k.Memory.WriteU64(src.EntryAddress, (src.Entry & ~PTE_W) | Kernel.PTE_COW);   // the parent's copy too
            }
            if (!dst.Find(src.Va).TryMap(src.Pa, perm)) return k.Abandon(child);
            k.Frames.AddReference(src.Pa);
        }
        return child;
    }
}

/// <summary>E2's wrong answer, kept to be seen failing: fork = copy_mappings, so parent and child share
/// writable frames (each shared frame gets its reference, so exit stays leak-free; the checker flags it).</summary>
public sealed class NaiveFork : IFork
{
    /// <summary>The one instance (the class has no state).</summary>
    public static NaiveFork Instance { get; } = new();

    /// <summary>
    /// Builds the child's table with copy_mappings alone: writable frames end up shared, which the memory checker
    /// reports.
    /// </summary>
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        if (k.NewPageTable(childPid) is not { } child) return null;
        k.Seams.CopyMappings.CopyMappings(child, parent.PageTable);
        for (var it = child.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User) k.Frames.AddReference(it.Pa);
        return child;
    }
}

public sealed partial record KernelSeams
{
    /// <summary>
    /// fork's memory half: <see cref="CopyFork"/> by default, <see cref="CowFork"/> or <see cref="NaiveFork"/> for the
    /// E2 variants.
    /// </summary>
    public IFork Fork { get; init; } = CopyFork.Instance;
}

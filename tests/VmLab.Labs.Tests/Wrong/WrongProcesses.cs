using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Tests.Wrong;

// Mistakes in fork and exit, and code that never returns, overflows its stack or throws.

/// <summary>copy_mappings as fork (E2's wrong answer): writable frames shared, references kept.</summary>
public sealed class SharingFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid) => NaiveFork.Instance.ForkMemory(k, parent, childPid);
}

/// <summary>Copies every page, read-only ones too.</summary>
public sealed class CopyEverythingFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        var child = k.NewPageTable(childPid);
        if (child is null) return null;
        for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User && !k.MapFresh(child, it.Va, it.Entry & Kernel.MappingPerm, k.Memory.FrameSpan(it.Pa))) return k.Abandon(child);
        return child;
    }
}

/// <summary>Shares read-only pages without taking a reference.</summary>
public sealed class UncountedFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        var child = k.NewPageTable(childPid);
        if (child is null) return null;
        for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
        {
            if (!it.User) continue;
            bool ok = it.Writable ? k.MapFresh(child, it.Va, it.Entry & Kernel.MappingPerm, k.Memory.FrameSpan(it.Pa))
                                  : child.Iter(it.Va).TryMap(it.Pa, it.Entry & Kernel.MappingPerm);
            if (!ok) return k.Abandon(child);
        }
        return child;
    }
}

public sealed class LoopingFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        while (true) Thread.SpinWait(1000);
    }
}

public sealed class RecursiveFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid) => ForkMemory(k, parent, childPid + 1);
}

public sealed class NullFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        PageTable? child = childPid > 0 ? null : k.NewPageTable(childPid);
        child!.Iter(ProcStartAddr).Map(0, 0);
        return child;
    }
}

/// <summary>exit that gives back the pages but not the page tables.</summary>
public sealed class PagesOnlyExit : IExit
{
    public void FreeProcess(Kernel k, Process p)
    {
        for (var it = p.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User) k.Frames.Free(it.Pa);
    }
}

/// <summary>exit that frees only what the process could write.</summary>
public sealed class WritableOnlyExit : IExit
{
    public void FreeProcess(Kernel k, Process p)
    {
        for (var it = p.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User && it.Writable) k.Frames.Free(it.Pa);
        for (var pi = p.PageTable.TablePages(); !pi.Done; pi.Next()) k.Frames.Free(pi.Pa);
        k.Frames.Free(p.PageTable.Root);
    }
}

/// <summary>The reference fork, except that running out of memory leaves the half-built child behind.</summary>
public sealed class LeakyFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        var child = k.NewPageTable(childPid);
        if (child is null) return null;
        for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
        {
            if (!it.User) continue;
            ulong perm = it.Entry & Kernel.MappingPerm;
            if (it.Writable)
            {
                if (!k.MapFresh(child, it.Va, perm, k.Memory.FrameSpan(it.Pa))) return null;
            }
            else if (child.Iter(it.Va).TryMap(it.Pa, perm)) k.Frames.AddReference(it.Pa);
            else return null;
        }
        return child;
    }
}

using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Tests.Wrong;

// Mistakes students make in C1, E1 and E3. Each must cost the test named in WrongImplementationTests.

/// <summary>The WeensyOS one-liner, reference counts forgotten: prints right, but the checker objects.</summary>
public sealed class RawRemap : IRemap
{
    public void Remap(Kernel k, Process p, ulong va, ulong targetVa) =>
        p.PageTable.Iter(va).Map(p.PageTable.Iter(targetVa).Pa, PTE_P | PTE_U);
}

/// <summary>Writes the wanted text into memory instead of changing a mapping.</summary>
public sealed class WritingRemap : IRemap
{
    public void Remap(Kernel k, Process p, ulong va, ulong targetVa) =>
        k.Memory.Write(p.PageTable.Iter(va).Pa, k.Memory.FrameSpan(p.PageTable.Iter(targetVa).Pa));
}

/// <summary>Changes nothing.</summary>
public sealed class NoRemap : IRemap
{
    public void Remap(Kernel k, Process p, ulong va, ulong targetVa) { }
}

/// <summary>Copies only user mappings: the kernel half is lost.</summary>
public sealed class UserOnlyCopy : ICopyMappings
{
    public void CopyMappings(PageTable dst, PageTable src)
    {
        for (var s = src.Iter(); s.Va < MemSizeVirtual; s.Next())
            if (s.User) dst.Iter(s.Va).Map(s.Pa, s.Perm);
    }
}

/// <summary>Copies the frames themselves: fork's job, not copy_mappings'.</summary>
public sealed class FrameCopyingCopy : ICopyMappings
{
    public void CopyMappings(PageTable dst, PageTable src)
    {
        for (var s = src.Iter(); s.Va < MemSizeVirtual; s.Next())
        {
            if (!s.Present) continue;
            ulong pa = s.Pa;
            if (s.User && s.Va >= ProcStartAddr)
            {
                pa = src.Allocator!.Allocate(FrameOwner.Process, src.Pid);
                src.Memory.FrameSpan(s.Pa).CopyTo(src.Memory.FrameSpan(pa));
            }
            dst.Iter(s.Va).Map(pa, s.Perm);
        }
    }
}

/// <summary>Copies everything, MEMSIZE_VIRTUAL or not.</summary>
public sealed class UnboundedCopy : ICopyMappings
{
    public void CopyMappings(PageTable dst, PageTable src)
    {
        for (var s = src.Iter(); s.Va < (1UL << 47); s.Next())
            if (s.Present) dst.Iter(s.Va).Map(s.Pa, s.Perm);
    }
}

/// <summary>Frees the user pages and forgets the page-table pages.</summary>
public sealed class PagesOnlyFree : IFreeEverything
{
    public void FreeEverything(Kernel k, PageTable pt)
    {
        for (var it = pt.Iter(ProcStartAddr); it.Va < MemSizeVirtual; it.Next())
            if (it.User) k.Frames.Free(it.Pa);
    }
}

/// <summary>Starts at 0, as the handout's comment says: frees the console too.</summary>
public sealed class FromZeroFree : IFreeEverything
{
    public void FreeEverything(Kernel k, PageTable pt)
    {
        for (var it = pt.Iter(); it.Va < MemSizeVirtual; it.Next())
            if (it.User) k.Frames.Free(it.Pa);
        for (var pi = pt.TablePages(); !pi.Done; pi.Next()) k.Frames.Free(pi.Pa);
        k.Frames.Free(pt.Root);
    }
}

/// <summary>Everything but the root.</summary>
public sealed class RootlessFree : IFreeEverything
{
    public void FreeEverything(Kernel k, PageTable pt)
    {
        for (var it = pt.Iter(ProcStartAddr); it.Va < MemSizeVirtual; it.Next())
            if (it.User) k.Frames.Free(it.Pa);
        for (var pi = pt.TablePages(); !pi.Done; pi.Next()) k.Frames.Free(pi.Pa);
    }
}

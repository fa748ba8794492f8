using VmLab.Linux.Seams;
using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Grading;

// The student's seams as the kernel sees them during grading: every call through SeamGuard, and the seams whose
// contract promises permissions (fork, page_alloc, remap) checked on every return, in every test. The contract
// lines they check are the interfaces' (Kernel/Seams/Seams.cs), written here once as code.

internal sealed class GuardedCopyMappings(ICopyMappings s, SeamGuard g) : ICopyMappings
{
    public void CopyMappings(PageTable dst, PageTable src) => g.Call(s, () => s.CopyMappings(dst, src));
}

internal sealed class GuardedFreeEverything(IFreeEverything s, SeamGuard g) : IFreeEverything
{
    public void FreeEverything(Kernel k, PageTable pt) => g.Call(s, () => s.FreeEverything(k, pt));
}

internal sealed class GuardedExit(IExit s, SeamGuard g) : IExit
{
    public void FreeProcess(Kernel k, Process p) => g.Call(s, () => s.FreeProcess(k, p));
}

internal sealed class GuardedSpawn(ISpawn s, SeamGuard g) : ISpawn
{
    public ulong Spawn(Kernel k, Process p, ulong name) => g.Call(s, () => s.Spawn(k, p, name));
}

internal sealed class GuardedPipe(IPipeKernel s, SeamGuard g) : IPipeKernel
{
    public ulong Write(Kernel k, Process p, ulong buf, ulong len) => g.Call(s, () => s.Write(k, p, buf, len));

    public ulong Read(Kernel k, Process p, ulong buf, ulong len) => g.Call(s, () => s.Read(k, p, buf, len));
}

internal sealed class GuardedLazyCopy(ILazyCopy s, SeamGuard g) : ILazyCopy
{
    public nint Allocate() => g.Call(s, s.Allocate);

    public nint CopyLazy(nint chunk) => g.Call(s, () => s.CopyLazy(chunk));
}

/// <summary>fork's contract: the child's user half has the parent's permissions, page for page: never writable
/// where the parent's page is read-only, never executable where it is NX.</summary>
internal sealed class GuardedFork(IFork s, SeamGuard g) : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        var child = g.Call(s, () => s.ForkMemory(k, parent, childPid));
        if (child is null) return null;
        var pa = parent.PageTable.Iter();
        for (var c = child.Iter(ProcStartAddr); c.Va >= ProcStartAddr && c.Va < MemSizeVirtual; c.Next())
        {
            if (!c.Present) continue;
            pa.Find(c.Va);
            if (!pa.Present) throw new GradeFailure($"fork: the child maps va 0x{c.Va:x}, which the parent does not map");
            if (c.Writable && !pa.Writable)
                throw new GradeFailure($"fork: the child maps va 0x{c.Va:x} writable, but the parent's page is read-only (the contract copies permissions: it.Entry & Kernel.MappingPerm)");
            if ((c.Perm & PTE_NX) == 0 && (pa.Perm & PTE_NX) != 0)
                throw new GradeFailure($"fork: the child maps va 0x{c.Va:x} executable, but the parent's page is PTE_NX (the contract copies permissions: it.Entry & Kernel.MappingPerm)");
        }
        return child;
    }
}

/// <summary>page_alloc's contract: on success va maps a fresh page PTE_P | PTE_W | PTE_U | PTE_NX, and no other
/// page appears (a refused call maps nothing at all).</summary>
internal sealed class GuardedPageAlloc(IPageAlloc s, SeamGuard g) : IPageAlloc
{
    public const ulong Promised = PTE_P | PTE_W | PTE_U | PTE_NX;

    private static HashSet<ulong> UserPages(PageTable pt)
    {
        var pages = new HashSet<ulong>();
        for (var it = pt.Iter(ProcStartAddr); it.Va >= ProcStartAddr && it.Va < MemSizeVirtual; it.Next())
            if (it.Present) pages.Add(it.Va & ~(PageSize - 1));
        return pages;
    }

    public ulong PageAlloc(Kernel k, Process p, ulong va)
    {
        var before = UserPages(p.PageTable);
        ulong r = g.Call(s, () => s.PageAlloc(k, p, va));
        if (UserPages(p.PageTable).FirstOrDefault(page => !before.Contains(page) && (r != 0 || page != va)) is var extra && extra != 0)
            throw new GradeFailure(r == 0
                ? $"page_alloc(0x{va:x}) also mapped va 0x{extra:x}: page_alloc maps only the page asked for"
                : $"page_alloc(0x{va:x}) returned {TestContext.Hex(r)} but mapped va 0x{extra:x}: a refused call changes nothing");
        if (r != 0 || !IsUserPage(va)) return r;      // what other addresses must give is the tests' business
        var it = p.PageTable.Iter(va);
        ulong perm = it.Perm & (PTE_P | PTE_W | PTE_U | PTE_NX);
        if (it.Present && (perm & PTE_NX) == 0)
            throw new GradeFailure($"page_alloc(0x{va:x}) mapped the page executable ({FormatConstants(perm)}): the contract says {FormatConstants(Promised)}");
        if (it.Present && perm != Promised)
            throw new GradeFailure($"page_alloc(0x{va:x}) mapped the page {FormatConstants(perm)}: the contract says {FormatConstants(Promised)}");
        return r;
    }
}

/// <summary>C1's contract: afterwards va's page maps targetVa's frame read-only (PTE_P | PTE_U, no PTE_W).</summary>
internal sealed class GuardedRemap(IRemap s, SeamGuard g) : IRemap
{
    public void Remap(Kernel k, Process p, ulong va, ulong targetVa)
    {
        g.Call(s, () => s.Remap(k, p, va, targetVa));
        var it = p.PageTable.Iter(va & ~(PageSize - 1));
        var target = p.PageTable.Iter(targetVa & ~(PageSize - 1));
        if (it.Present && target.Present && it.Pa == target.Pa && it.Writable)
            throw new GradeFailure($"remap left va 0x{va:x} writable ({FormatConstants(it.Perm & (PTE_P | PTE_W | PTE_U | PTE_NX))}): the contract says read-only, PTE_P | PTE_U");
    }
}

/// <summary>The reference free_everything, refusing while exit's student code runs (k.Abandon from exit).</summary>
internal sealed class FencedFreeEverything(IFreeEverything reference) : IFreeEverything
{
    public void FreeEverything(Kernel k, PageTable pt)
    {
        SeamGuard.Refuse("free_everything", "k.Abandon calls it", "exit");
        reference.FreeEverything(k, pt);
    }
}

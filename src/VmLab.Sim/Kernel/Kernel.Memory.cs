using VmLab.Sim.Asm;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    /// <summary>Software bit 9 (ignored by the MMU): this read-only page is writable copy-on-write.</summary>
    public const ulong PTE_COW = 1UL << 9;

    /// <summary>Write faults on copy-on-write pages the kernel resolved.</summary>
    public long CopyOnWriteFaults { get; private set; }

    // The bits a mapping copies; A and D belong to the walk that set them.
    private const ulong CopyPerm = PTE_P | PTE_W | PTE_U | PTE_NX | PTE_COW;

    /// <summary>
    /// process_setup: a new page table for <paramref name="pid"/> with the kernel half copied from
    /// kernel_pagetable, each segment of <paramref name="image"/> on fresh frames (text P|U, data and bss
    /// P|W|U|NX) and one stack page below MEMSIZE_VIRTUAL. Null when memory runs out; nothing is left behind.
    /// </summary>
    private PageTable? ProcessSetup(int pid, ProgramImage image)
    {
        if (NewPageTable(pid) is not { } pt) return null;
        foreach (var seg in image.Segments)
        {
            ulong perm = seg.Writable ? PTE_P | PTE_W | PTE_U | PTE_NX : PTE_P | PTE_U;
            foreach (var (va, bytes) in seg.Pages())
                if (!IsUserPage(va) || !MapFresh(pt, va, perm, bytes.Span)) return Abandon(pt);
        }
        if (!MapFresh(pt, StackPage, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return Abandon(pt);
        return pt;
    }

    /// <summary>An empty table for pid with [0, PROC_START_ADDR) mapped exactly as kernel_pagetable maps it.</summary>
    private PageTable? NewPageTable(int pid)
    {
        if (!Frames.TryAllocate(FrameOwner.PageTable, pid, out ulong root)) return null;
        var pt = new PageTable(Memory, Frames, root, pid);
        var dst = pt.Iter();
        for (var src = KernelPageTable.Iter(); src.Va < ProcStartAddr; src.Next())
            if (src.Present && !dst.Find(src.Va).TryMap(src.Pa, src.Perm & CopyPerm))
                return Abandon(pt);
        return pt;
    }

    /// <summary>Maps a new zeroed frame owned by the table's process at va and copies bytes into it.</summary>
    private bool MapFresh(PageTable pt, ulong va, ulong perm, ReadOnlySpan<byte> bytes)
    {
        if (!Frames.TryAllocate(FrameOwner.Process, pt.Pid, out ulong pa)) return false;
        if (!pt.Iter(va).TryMap(pa, perm))
        {
            Frames.Free(pa);
            return false;
        }
        if (!bytes.IsEmpty) Memory.Write(pa, bytes);
        return true;
    }

    private PageTable? Abandon(PageTable pt)
    {
        FreeProcessMemory(pt);
        return null;
    }

    /// <summary>
    /// free_everything (E3/E4): drops the reference on every frame mapped user-accessible in
    /// [PROC_START_ADDR, MEMSIZE_VIRTUAL) (a shared frame survives until its last user lets go), then frees
    /// every page-table page, root last. The kernel half is not the process's: its user-accessible console
    /// page must not be freed, which is why the loop starts at PROC_START_ADDR, not 0.
    /// </summary>
    private void FreeProcessMemory(PageTable pt)
    {
        for (var it = pt.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            if (it.User) Frames.Free(it.Pa);
        for (var pi = pt.TablePages(); !pi.Done; pi.Next())
            Frames.Free(pi.Pa);
        Frames.Free(pt.Root);
    }

    /// <summary>
    /// fork's memory half: a child table whose user half matches the parent's as <see cref="ForkMode"/> says.
    /// Copy: writable pages copied, read-only pages shared with a reference each (E1 alone is not enough:
    /// E2). CopyOnWrite: writable pages become read-only + PTE_COW in both. Naive: copy_mappings only.
    /// Null when memory runs out; the child's partial table is freed and the parent keeps working.
    /// </summary>
    private PageTable? ForkMemory(Process parent, int childPid)
    {
        if (NewPageTable(childPid) is not { } child) return null;
        var dst = child.Iter();
        for (var src = parent.PageTable.Iter(ProcStartAddr); src.Va < MemSizeVirtual && src.Va >= ProcStartAddr; src.Next())
        {
            if (!src.User) continue;
            ulong pa = src.Pa, perm = src.Entry & CopyPerm;
            bool writable = (perm & (PTE_W | PTE_COW)) != 0;
            if (Options.Fork == ForkMode.Copy && writable)
            {
                if (!MapFresh(child, src.Va, perm, Memory.FrameSpan(pa))) return Abandon(child);
                continue;
            }
            if (Options.Fork == ForkMode.CopyOnWrite && writable)
            {
                perm = (perm & ~PTE_W) | PTE_COW;
                Memory.WriteU64(src.EntryAddress, (src.Entry & ~PTE_W) | PTE_COW);   // the parent's copy too
                MappingsChanged();
            }
            if (!dst.Find(src.Va).TryMap(pa, perm)) return Abandon(child);
            Frames.AddReference(pa);
        }
        return child;
    }

    /// <summary>A write to a PTE_COW page: the last sharer takes the page back writable; anyone else gets a
    /// private copy. False when the page is not copy-on-write, or when there is no memory for the copy.</summary>
    private bool CopyOnWriteFault(Process p, ulong va)
    {
        if (va >= MemSizeVirtual) return false;
        var it = p.PageTable.Iter(va & ~(PageSize - 1));
        ulong e = it.Entry;
        if (!it.User || (e & PTE_COW) == 0) return false;
        ulong old = it.Pa, perm = ((e & CopyPerm) | PTE_W) & ~PTE_COW;
        CopyOnWriteFaults++;
        if (Frames.Info(old).RefCount == 1)
        {
            it.Map(old, perm);
        }
        else
        {
            if (!Frames.TryAllocate(FrameOwner.Process, p.Pid, out ulong copy)) return false;
            Memory.FrameSpan(old).CopyTo(Memory.FrameSpan(copy));
            it.Map(copy, perm);    // the leaf table exists, so this allocates nothing
            Frames.Free(old);
        }
        Tlb.Invlpg(va);
        return true;
    }

    /// <summary>
    /// The C1 exercise's one mapping change: <c>vmiter(pt, va).map(vmiter(pt, targetVa).pa(), PTE_P | PTE_U)</c>.
    /// The frame behind targetVa gains a reference, the frame va used to map loses one (nothing else maps it, so
    /// it is given back). No byte of any mapped frame is written. Both addresses must be mapped user pages of p.
    /// </summary>
    public void Remap(Process p, ulong va, ulong targetVa)
    {
        var src = p.PageTable.Iter(targetVa & ~(PageSize - 1));
        var dst = p.PageTable.Iter(va & ~(PageSize - 1));
        if (!src.User || !dst.User || !IsUserPage(dst.Va)) throw new ArgumentException("remap: both addresses must be mapped user pages");
        ulong old = dst.Pa, frame = src.Pa;
        Frames.AddReference(frame);
        dst.Map(frame, PTE_P | PTE_U | PTE_NX);
        Frames.Free(old);
        MappingsChanged();
    }

    // USER MEMORY, seen through the process's own page table with user permissions

    /// <summary>Copies user memory at va into dst if every byte is mapped P|U in p's page table (what the
    /// CPU would allow p to read). False, with nothing read, otherwise.</summary>
    private bool TryCopyFromUser(Process p, ulong va, Span<byte> dst)
    {
        ulong len = (ulong)dst.Length;
        if (va >= MemSizeVirtual || len > MemSizeVirtual - va) return false;
        if (len > 0 && !p.PageTable.Iter(va).RangePerm(len, PTE_P | PTE_U)) return false;
        var it = p.PageTable.Iter(va);
        while (!dst.IsEmpty)
        {
            int n = (int)Math.Min((ulong)dst.Length, PageSize - (va & (PageSize - 1)));
            Memory.Read(it.Find(va).Pa, dst[..n]);
            dst = dst[n..];
            va += (ulong)n;
        }
        return true;
    }

    /// <summary>Reads a NUL-terminated string of at most max bytes (NUL included) from user memory.</summary>
    private string? ReadUserString(Process p, ulong va, int max)
    {
        Span<byte> one = stackalloc byte[1];
        var chars = new char[max];
        for (int i = 0; i < max; i++)
        {
            if (!TryCopyFromUser(p, va + (ulong)i, one)) return null;
            if (one[0] == 0) return new string(chars, 0, i);
            chars[i] = (char)one[0];
        }
        return null;
    }
}

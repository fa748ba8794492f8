using VmLab.Sim.Elf;
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

    /// <summary>The permission bits a mapping copies (P, W, U, NX, COW); A and D belong to the walk that set them.</summary>
    public const ulong MappingPerm = PTE_P | PTE_W | PTE_U | PTE_NX | PTE_COW;

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

    /// <summary>An empty table for pid with [0, PROC_START_ADDR) mapped exactly as kernel_pagetable maps it.
    /// Null when memory runs out.</summary>
    public PageTable? NewPageTable(int pid)
    {
        if (!Frames.TryAllocate(FrameOwner.PageTable, pid, out ulong root)) return null;
        var pt = new PageTable(Memory, Frames, root, pid);
        var dst = pt.Iter();
        for (var src = KernelPageTable.Iter(); src.Va < ProcStartAddr; src.Next())
            if (src.Present && !dst.Find(src.Va).TryMap(src.Pa, src.Perm & MappingPerm))
                return Abandon(pt);
        return pt;
    }

    /// <summary>Maps a new zeroed frame owned by the table's process at va and copies bytes into it. False
    /// when memory runs out; then nothing changed.</summary>
    public bool MapFresh(PageTable pt, ulong va, ulong perm, ReadOnlySpan<byte> bytes)
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

    /// <summary>Gives back a partly built table with free_everything; returns null for "out of memory".</summary>
    public PageTable? Abandon(PageTable pt)
    {
        Seams.FreeEverything.FreeEverything(this, pt);
        return null;
    }

    /// <summary>A write to a PTE_COW page: the last sharer takes the page back writable; anyone else gets a
    /// private copy. False when the page is not copy-on-write, or when there is no memory for the copy.</summary>
    private bool CopyOnWriteFault(Process p, ulong va)
    {
        if (va >= MemSizeVirtual) return false;
        var it = p.PageTable.Iter(va & ~(PageSize - 1));
        ulong e = it.Entry;
        if (!it.User || (e & PTE_COW) == 0) return false;
        ulong old = it.Pa, perm = ((e & MappingPerm) | PTE_W) & ~PTE_COW;
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

    /// <summary>The C1 exercise's one mapping change, by the remap seam (see <see cref="IRemap"/>).</summary>
    public void Remap(Process p, ulong va, ulong targetVa)
    {
        Seams.Remap.Remap(this, p, va, targetVa);
        MappingsChanged();
    }

    // USER MEMORY, seen through the process's own page table with user permissions

    /// <summary>True when every byte of [va, va+len) is below MEMSIZE_VIRTUAL and mapped P|U in p's page
    /// table: what the CPU would let p read.</summary>
    public bool UserReadable(Process p, ulong va, ulong len) =>
        va < MemSizeVirtual && len <= MemSizeVirtual - va && (len == 0 || p.PageTable.Iter(va).RangePerm(len, PTE_P | PTE_U));

    /// <summary>True when p may write every byte of [va, va+len). Copy-on-write pages in the range get their
    /// private copy first, exactly as if p had written them itself (false when a copy cannot be had).</summary>
    public bool UserWritable(Process p, ulong va, ulong len)
    {
        if (va >= MemSizeVirtual || len > MemSizeVirtual - va) return false;
        for (ulong page = va & ~(PageSize - 1); page < va + len; page += PageSize)
        {
            var it = p.PageTable.Iter(page);
            if (it.User && (it.Entry & PTE_COW) != 0 && !CopyOnWriteFault(p, page)) return false;
        }
        return len == 0 || p.PageTable.Iter(va).RangePerm(len, PTE_P | PTE_W | PTE_U);
    }

    /// <summary>Copies user memory at va into dst if every byte is mapped P|U in p's page table (what the
    /// CPU would allow p to read). False, with nothing read, otherwise.</summary>
    public bool TryCopyFromUser(Process p, ulong va, Span<byte> dst)
    {
        if (!UserReadable(p, va, (ulong)dst.Length)) return false;
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

    /// <summary>Copies src to user memory at va if p may write all of it (see <see cref="UserWritable"/>).
    /// False, with nothing written, otherwise.</summary>
    public bool TryCopyToUser(Process p, ulong va, ReadOnlySpan<byte> src)
    {
        if (!UserWritable(p, va, (ulong)src.Length)) return false;
        var it = p.PageTable.Iter(va);
        for (int i = 0; i < src.Length; i++)
            Memory.WriteByte(it.Find(va + (ulong)i).Pa, src[i]);
        return true;
    }
}

using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>A user-accessible page as a walk saw it: effective permissions (<see cref="VmIter.Perm"/>) and the raw
/// leaf entry (for PTE_COW).</summary>
internal readonly record struct UserPage(ulong Va, ulong Pa, ulong Perm, ulong Entry)
{
    public bool Writable => (Perm & (Pte.PTE_P | Pte.PTE_W)) == (Pte.PTE_P | Pte.PTE_W);
    public bool Executable => (Perm & Pte.PTE_NX) == 0;
    public bool CopyOnWrite => (Entry & Kernel.PTE_COW) != 0;
}

/// <summary>
/// What one page table looked like when the checker last walked it: its table pages (root first), the user pages of
/// [0, MEMSIZE_VIRTUAL) in va order, and, for a process, how its kernel half differs from kernel_pagetable. A walk
/// is a function of the bytes of its table pages alone, so it stays true while none of them changed
/// (<see cref="PhysicalMemory.Generation"/>) and none is lent out.
/// </summary>
internal sealed class TableWalk
{
    private TableWalk(Process? process, PageTable table, ulong[] tablePages, ulong[] generations, UserPage[] pages, string? kernelHalf, long kernelWalk)
    {
        Process = process;
        Table = table;
        TablePages = tablePages;
        Generations = generations;
        Pages = pages;
        KernelHalf = kernelHalf;
        KernelWalk = kernelWalk;
    }

    /// <summary>The process whose table this is; null for kernel_pagetable.</summary>
    public Process? Process { get; }
    public PageTable Table { get; }
    public ulong[] TablePages { get; }
    public UserPage[] Pages { get; }
    /// <summary>check_page_table_mappings' finding for this process, or null.</summary>
    public string? KernelHalf { get; }
    /// <summary>Which walk of kernel_pagetable <see cref="KernelHalf"/> compared against.</summary>
    public long KernelWalk { get; }
    private ulong[] Generations { get; }

    /// <summary>True when one of its table pages was lent out (<see cref="PhysicalMemory.IsLent"/>) as it was walked:
    /// it must be looked at every time.</summary>
    public bool Lent => TablePages.Any(Table.Memory.IsLent);

    /// <summary>True while no table page of the walk may have changed since it was made.</summary>
    public bool Fresh(PhysicalMemory memory)
    {
        for (int i = 0; i < TablePages.Length; i++)
            if (memory.Generation(TablePages[i]) != Generations[i] || memory.IsLent(TablePages[i])) return false;
        return true;
    }

    /// <summary>The user page at <paramref name="va"/> (page-aligned), if the walk saw one.</summary>
    public UserPage? At(ulong va)
    {
        int lo = 0, hi = Pages.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (Pages[mid].Va == va) return Pages[mid];
            if (Pages[mid].Va < va) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    /// <summary>Walks kernel_pagetable: its table pages only.</summary>
    public static TableWalk OfKernel(PageTable kernel, long number)
    {
        var tables = new List<ulong>();
        TableScan.Scan(kernel.Memory, kernel.Root, tables, null);
        return new(null, kernel, [.. tables], GenerationsOf(kernel.Memory, tables), [], null, number);
    }

    /// <summary>Walks a process's table; <paramref name="kernel"/> is the latest walk of kernel_pagetable.</summary>
    public static TableWalk Of(Process p, TableWalk kernel)
    {
        var pt = p.PageTable;
        var tables = new List<ulong>();
        var pages = new List<UserPage>();
        TableScan.Scan(pt.Memory, pt.Root, tables, pages);
        return new(p, pt, [.. tables], GenerationsOf(pt.Memory, tables), [.. pages], KernelHalfOf(kernel.Table, p), kernel.KernelWalk);
    }

    private static ulong[] GenerationsOf(PhysicalMemory memory, List<ulong> tables)
    {
        var generations = new ulong[tables.Count];
        for (int i = 0; i < generations.Length; i++) generations[i] = memory.Generation(tables[i]);
        return generations;
    }

    // check_page_table_mappings: below PROC_START_ADDR a process maps what the kernel maps, as the kernel maps it.
    private static string? KernelHalfOf(PageTable kernel, Process p)
    {
        const ulong Bits = Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX;
        if (SameLeafEntries(kernel, p.PageTable)) return null;
        var k = kernel.Iter();
        var u = p.PageTable.Iter();
        for (ulong va = 0; va < ProcStartAddr; va += PageSize)
        {
            k.Find(va);
            u.Find(va);
            bool same = k.Present == u.Present && (!k.Present || (k.Pa == u.Pa && (k.Perm & Bits) == (u.Perm & Bits)));
            if (same) continue;
            string Say(VmIter i) => i.Present ? $"0x{i.Pa:x} {Pte.FormatConstants(i.Perm & Bits)}" : "nothing";
            return va == ConsoleAddr
                ? $"kernel mapping missing: pid {p.Pid} maps the console 0x{va:x} to {Say(u)}; every process maps it to 0x{ConsoleAddr:x} PTE_P | PTE_W | PTE_U"
                : $"kernel mapping missing: pid {p.Pid}'s page table does not map the kernel as kernel_pagetable does: va 0x{va:x} maps {Say(u)}, the kernel maps {Say(k)}";
        }
        return null;
    }

    // The usual case, in 256 entry pairs instead of 256 walks: both tables reach [0, PROC_START_ADDR) through one
    // leaf table each, with the same permissions above it, and the two leaf tables agree entry by entry. False
    // says only "look closer".
    private static bool SameLeafEntries(PageTable kernel, PageTable user)
    {
        const ulong Compared = Pte.PTE_PAMASK | Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX;
        if (ProcStartAddr > 1UL << 21 || LeafTable(kernel) is not var (kt, kPerm) || LeafTable(user) is not var (ut, uPerm) || kPerm != uPerm)
            return false;
        int n = (int)(ProcStartAddr / PageSize);
        var kernelEntries = Entries(kernel.Memory, kt);
        var userEntries = Entries(kernel.Memory, ut);
        if (kernelEntries.Length >= n && userEntries.Length >= n && kernelEntries[..n].SequenceEqual(userEntries[..n])) return true;
        for (int i = 0; i < (int)(ProcStartAddr / PageSize); i++)
        {
            ulong k = i < kernelEntries.Length ? kernelEntries[i] : 0, u = i < userEntries.Length ? userEntries[i] : 0;
            if ((k & Pte.PTE_P) != (u & Pte.PTE_P) || ((k & Pte.PTE_P) != 0 && ((k ^ u) & Compared) != 0)) return false;
        }
        return true;
    }

    // A table page's entries, read in place (empty when the frame was never written: all zero).
    private static ReadOnlySpan<ulong> Entries(PhysicalMemory memory, ulong table) =>
        memory.FrameArrayOrNull(table) is { } frame ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(frame.AsSpan()) : [];

    // The 4 KiB leaf table translating va 0 and the P, W, U, NX of the entries above it; null if there is none.
    private static (ulong Table, ulong Perm)? LeafTable(PageTable pt)
    {
        ulong table = pt.Root, perm = Pte.PTE_P | Pte.PTE_W | Pte.PTE_U, nx = 0;
        for (int level = 3; level > 0; level--)
        {
            ulong e = pt.Memory.ReadU64(table);
            if ((e & (Pte.PTE_P | Pte.PTE_PS)) != Pte.PTE_P || (e & Pte.PTE_PAMASK) >= pt.Memory.Size) return null;
            perm &= e;
            nx |= e & Pte.PTE_NX;
            table = e & Pte.PTE_PAMASK;
        }
        return (table, perm | nx);
    }
}

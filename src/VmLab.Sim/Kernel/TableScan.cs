using System.Runtime.InteropServices;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>
/// One pass over a page table for the checker: its table pages in <see cref="PtIter"/>'s order (root first, then
/// children before their parent) and the user pages <see cref="VmIter"/> sees from va 0 to MEMSIZE_VIRTUAL (it.User,
/// it.Va, it.Pa, it.Perm, it.Entry at each 4 KiB step). Each table page's entries are read once, as a span, instead
/// of walking down from the root for each step: the checker scans a table after every change to it, so this is its
/// cost. An entry pointing outside physical memory throws as the iterators do.
/// </summary>
internal static class TableScan
{
    private const ulong Canonical = 0xFFF;     // VmIter's initial permission bits

    public static void Scan(PhysicalMemory memory, ulong root, List<ulong> tables, List<UserPage>? pages)
    {
        tables.Add(root);
        Table(memory, root, 3, 0, Canonical, 0, tables, pages);
    }

    // perm: bits 11:0 ANDed over the levels above; nx: PTE_NX if any level above sets it.
    private static void Table(PhysicalMemory memory, ulong table, int level, ulong baseVa, ulong perm, ulong nx, List<ulong> tables, List<UserPage>? pages)
    {
        int shift = 12 + 9 * level;
        ReadOnlySpan<ulong> entries = memory.FrameArrayOrNull(table) is { } frame ? MemoryMarshal.Cast<byte, ulong>(frame.AsSpan()) : [];
        if (level == 0 && (pages is null || baseVa >= MemSizeVirtual)) return;     // nothing below a leaf table
        for (int i = 0; i < entries.Length; i++)
        {
            if (level > 0)
            {
                int zeros = entries[i..].IndexOfAnyExcept(0UL);     // most upper entries are empty: skip them vectorized
                if (zeros < 0) return;
                i += zeros;
            }
            ulong e = entries[i];
            if ((e & Pte.PTE_P) == 0 || (level == 0 && (e & Pte.PTE_U) == 0)) continue;     // a leaf without U is no user page
            ulong va = baseVa + ((ulong)i << shift);
            if (level > 0 && (e & Pte.PTE_PS) == 0)
            {
                ulong child = e & Pte.PTE_PAMASK;
                Table(memory, child, level - 1, va, perm & e, nx | (e & Pte.PTE_NX), tables, pages);
                tables.Add(child);
                continue;
            }
            if (pages is null || va >= MemSizeVirtual) continue;
            ulong leaf = (e & perm & Canonical) | ((e | nx) & Pte.PTE_NX);
            if ((leaf & (Pte.PTE_P | Pte.PTE_U)) != (Pte.PTE_P | Pte.PTE_U)) continue;
            ulong span = 1UL << shift, pa = e & Pte.PTE_PAMASK & ~(span - 1);
            for (ulong off = 0; off < span && va + off < MemSizeVirtual; off += PageSize)
                pages.Add(new UserPage(va + off, pa + off, leaf, e));
        }
    }
}

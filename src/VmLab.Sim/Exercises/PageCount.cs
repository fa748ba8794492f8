using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Exercises;

/// <summary>How many pages an object touches, the formulas, and the extreme mappings that reach the bounds.</summary>
public sealed record PageCountResult(ulong Va, ulong Size, bool Aligned, ulong VirtualPages,
    ulong MinPhysicalPages, ulong MaxPhysicalPages, string VirtualFormula, string PhysicalFormula, string Explanation,
    bool Demonstrated, ulong? SharedFrameMappingFrames, ulong? DistinctFrameMappingFrames);

/// <summary>
/// Seed 003 A5-A7. An object [va, va+sz) overlaps the virtual pages from va/4096 to (va+sz-1)/4096. Each of those
/// pages maps to exactly one frame, but nothing stops several of them mapping to the same frame (A4), so the
/// frames it overlaps number between 1 and the virtual page count. Both bounds are then reached on a real table:
/// once with every virtual page mapped to one shared frame, once with a distinct frame per page, counting
/// the frames the MMU actually translates to.
/// </summary>
public static class PageCount
{
    /// <summary>Objects up to this many pages are demonstrated on a real table; larger ones get the formula only.</summary>
    public const ulong DemonstrationLimit = 4096;

    /// <summary>
    /// Counts the pages an object of <paramref name="size"/> bytes at <paramref name="va"/> touches, by formula and, up
    /// to <see cref="DemonstrationLimit"/> pages, on a real table. Throws <see cref="ArgumentException"/> for size 0, a
    /// misaligned va when <paramref name="aligned"/> is set, an object that wraps past 2^64 or leaves its canonical
    /// half.
    /// </summary>
    public static PageCountResult Compute(ulong va, ulong size, bool aligned)
    {
        if (size == 0) throw new ArgumentException("the object size must be > 0");
        if (aligned && VirtualAddress.PageOffset(va) != 0) throw new ArgumentException($"--aligned was given but va 0x{va:x} is not page-aligned");
        ulong last = va + size - 1;
        if (last < va) throw new ArgumentException($"the object [0x{va:x}, +0x{size:x}) wraps past the top of the address space");
        if (!VirtualAddress.IsCanonical(va) || !VirtualAddress.IsCanonical(last) || (va < VirtualAddress.LowEnd) != (last < VirtualAddress.LowEnd))
            throw new ArgumentException($"the object [0x{va:x}, 0x{last:x}] is not inside one canonical half of the address space");

        ulong first = va >> VirtualAddress.PageShift, lastPage = last >> VirtualAddress.PageShift;
        ulong vpages = lastPage - first + 1;
        string vformula = aligned
            ? $"ceil(sz / 4096) = (sz + 4095) / 4096 = (0x{size:x} + 4095) / 4096 = {vpages}"
            : $"(va + sz - 1) / 4096 - va / 4096 + 1 = 0x{lastPage:x} - 0x{first:x} + 1 = {vpages}";
        string pformula = $"1 <= physical pages <= virtual pages = {vpages}";
        string explanation = vpages == 1
            ? "one virtual page maps to exactly one frame, so the object overlaps exactly one physical page"
            : $"each of the {vpages} virtual pages maps to one frame; they may all share a single frame (many-to-one is valid, A4) " +
              $"or each have its own, so the object overlaps 1 to {vpages} physical pages (ignoring faults)";

        if (vpages > DemonstrationLimit)
            return new PageCountResult(va, size, aligned, vpages, 1, vpages, vformula, pformula, explanation, false, null, null);
        ulong shared = FramesTouched(first, vpages, va, last, distinct: false);
        ulong distinct = FramesTouched(first, vpages, va, last, distinct: true);
        return new PageCountResult(va, size, aligned, vpages, Math.Min(shared, distinct), Math.Max(shared, distinct),
            vformula, pformula, explanation, true, shared, distinct);
    }

    // Maps the object's pages (all to one frame, or each to its own), then translates one byte of the object
    // in every page and counts the distinct frames reached.
    private static ulong FramesTouched(ulong firstPage, ulong pages, ulong va, ulong last, bool distinct)
    {
        var memory = new PhysicalMemory(1UL << 30);
        var frames = new FrameAllocator(memory);
        ulong dataBase = 512UL << 20;    // targets in the upper half, tables come from the lower half
        frames.Reserve(dataBase, pages * PhysicalMemory.FrameSize, FrameOwner.Process, 1);
        var pt = PageTable.Create(frames, 1);
        var it = pt.Iter();
        for (ulong i = 0; i < pages; i++)
            it.Find((firstPage + i) << VirtualAddress.PageShift).Map(dataBase + (distinct ? i * PhysicalMemory.FrameSize : 0), Pte.PTE_P | Pte.PTE_W | Pte.PTE_U);

        var mmu = new Mmu(memory);
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < pages; i++)
        {
            ulong pageVa = (firstPage + i) << VirtualAddress.PageShift;
            ulong probe = Math.Clamp(pageVa, va, last);
            seen.Add(mmu.Translate(pt.Root, probe, Access.Read, Privilege.User) >> VirtualAddress.PageShift);
        }
        return (ulong)seen.Count;
    }
}

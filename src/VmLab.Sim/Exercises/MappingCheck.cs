using VmLab.Sim.Paging;

namespace VmLab.Sim.Exercises;

/// <summary>One observed point of a mapping function: virtual address <see cref="Va"/> translates to <see cref="Pa"/>.</summary>
public sealed record MappingPair(ulong Va, ulong Pa)
{
    /// <summary>"0xVA->0xPA", the notation the exercise's pairs are written in.</summary>
    public override string ToString() => $"0x{Va:x}->0x{Pa:x}";
}

/// <summary>The rules a set of pairs can break (seed 003, Part A).</summary>
public enum MappingRule
{
    /// <summary>Paging keeps the low 12 bits: va and pa must have the same page offset.</summary>
    PageOffsetNotPreserved,      // the low 12 bits must pass through unchanged
    /// <summary>One virtual page translated to two different frames: a page table gives each page one frame.</summary>
    VirtualPageToTwoFrames,      // a function maps each virtual page to one frame
    /// <summary>
    /// A virtual address whose bits 63:48 are not copies of bit 47: 4-level paging never translates it (#GP).
    /// </summary>
    NonCanonicalAddress,         // 4-level paging translates only canonical 48-bit addresses
    /// <summary>A physical address above MAXPHYADDR (52 bits) or past the end of the machine's memory.</summary>
    PhysicalAddressOutOfRange,   // beyond MAXPHYADDR (52 bits) or beyond the machine's memory
}

/// <summary>A broken rule and the pairs that break it.</summary>
public sealed record MappingViolation(MappingRule Rule, IReadOnlyList<MappingPair> Pairs, string Explanation);

/// <summary>The verdict, with the evidence: violations, or the table that realises the pairs and its translations.</summary>
public sealed record MappingVerdict(bool Valid, string Reason, IReadOnlyList<MappingViolation> Violations,
    int VirtualPages, int Frames, MapCallsResult? Realisation);

/// <summary>
/// Decides whether pairs (va, pa) can all come from one valid x86-64 mapping: piecewise linear on aligned 4 KiB
/// pages. The rule checks say why not; when they pass, the pairs are mapped into a real page table and every
/// pair is translated by the MMU, so "valid" is a demonstrated fact, not only an argument.
/// </summary>
public static class MappingCheck
{
    /// <summary>Architectural limit on physical addresses (MAXPHYADDR can be at most 52).</summary>
    public const ulong PhysicalLimit = 1UL << 52;

    /// <summary>Checks <paramref name="pairs"/>; <paramref name="memorySize"/>, when given, also bounds physical addresses.</summary>
    public static MappingVerdict Check(IReadOnlyList<MappingPair> pairs, ulong? memorySize = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("check-mapping: no pairs given");
        ulong limit = memorySize ?? PhysicalLimit;
        var violations = new List<MappingViolation>();
        foreach (var p in pairs.Distinct())
        {
            if (!VirtualAddress.IsCanonical(p.Va))
                violations.Add(new(MappingRule.NonCanonicalAddress, [p],
                    $"{p}: virtual address 0x{p.Va:x} is not canonical (bits 63:47 must all equal bit 47), so no page table can map it"));
            if (p.Pa >= limit)
                violations.Add(new(MappingRule.PhysicalAddressOutOfRange, [p],
                    $"{p}: physical address 0x{p.Pa:x} is beyond {(memorySize is null ? "the 52-bit physical address space" : $"physical memory (0x{limit:x} bytes)")}"));
            if (VirtualAddress.PageOffset(p.Va) != VirtualAddress.PageOffset(p.Pa))
                violations.Add(new(MappingRule.PageOffsetNotPreserved, [p],
                    $"{p}: page offset not preserved (0x{VirtualAddress.PageOffset(p.Va):x} -> 0x{VirtualAddress.PageOffset(p.Pa):x}); translation replaces only the page number"));
        }
        foreach (var group in pairs.Distinct().GroupBy(p => VirtualAddress.PageNumber(p.Va)))
        {
            var frames = group.Select(p => VirtualAddress.PageNumber(p.Pa)).Distinct().ToList();
            if (frames.Count > 1)
                violations.Add(new(MappingRule.VirtualPageToTwoFrames, [.. group],
                    $"{string.Join(" and ", group)}: virtual page 0x{group.Key << 12:x} would map to {frames.Count} frames ({string.Join(", ", frames.Select(f => $"0x{f << 12:x}"))}); one page-table entry holds one frame"));
        }
        var vpages = pairs.Select(p => VirtualAddress.PageNumber(p.Va)).Distinct().Count();
        var fpages = pairs.Select(p => VirtualAddress.PageNumber(p.Pa)).Distinct().Count();
        if (violations.Count > 0)
            return new MappingVerdict(false, violations[0].Explanation, violations, vpages, fpages, null);

        var realised = MapCalls.Realise(pairs, Pte.PTE_P | Pte.PTE_W);
        bool allTranslate = realised.Checks.All(c => c.Ok);
        string reason = allTranslate
            ? $"valid: every pair keeps its page offset and each of the {vpages} virtual page(s) maps to one frame" +
              (fpages < vpages ? $"; {vpages} virtual pages share {fpages} frame(s), which x86-64 allows (many-to-one is fine)" : "") +
              "; a real page table built from them translates every pair"
            : "the rules hold but the page table built from the pairs does not translate them all";
        return new MappingVerdict(allTranslate, reason, violations, vpages, fpages, realised);
    }
}

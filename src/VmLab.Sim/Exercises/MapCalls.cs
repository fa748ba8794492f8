using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Exercises;

/// <summary>One vmiter map call, as WeensyOS C++ and as this library's C#.</summary>
public sealed record MapCall(ulong Va, ulong Pa, ulong Perm)
{
    /// <summary>The call as WeensyOS C++ writes it: <c>vmiter(pt3, 0x1000).map(0x5000, PTE_P | PTE_W);</c>.</summary>
    public string C => $"vmiter(pt3, 0x{Va:X}).map(0x{Pa:X}, {Pte.FormatConstants(Perm)});";

    /// <summary>The same call in this library's C#: <c>pt3.Iter(0x1000).Map(0x5000, PTE_P | PTE_W);</c>.</summary>
    public string CSharp => $"pt3.Iter(0x{Va:X}).Map(0x{Pa:X}, {Pte.FormatConstants(Perm).Replace("|", " | ", StringComparison.Ordinal)});";
}

/// <summary>A pair and what the MMU made of it on the built table.</summary>
public sealed record PairCheck(MappingPair Pair, ulong? TranslatedPa, bool Ok);

/// <summary>The calls, the table they built (every present entry), and the translations that check it.</summary>
public sealed record MapCallsResult(IReadOnlyList<MapCall> Calls, ulong Root, int TablePages,
    IReadOnlyList<TableEntryLine> Table, IReadOnlyList<PairCheck> Checks);

/// <summary>
/// Turns a mapping given as pairs into the page-aligned vmiter map calls that realise it (seed 003, A3),
/// performs them on a fresh page table, and translates every pair through the MMU.
/// </summary>
public static class MapCalls
{
    /// <summary>Physical memory for the tables: sparse, so its size costs nothing until used.</summary>
    private const ulong TableMemory = 64UL << 20;

    /// <summary>Builds the calls for <paramref name="pairs"/> (which must pass <see cref="MappingCheck"/>).</summary>
    public static MapCallsResult Realise(IReadOnlyList<MappingPair> pairs, ulong perm)
    {
        var calls = pairs
            .Select(p => new MapCall(VirtualAddress.PageDown(p.Va), VirtualAddress.PageDown(p.Pa), perm))
            .DistinctBy(c => c.Va)
            .OrderBy(c => c.Va)
            .ToList();
        var memory = new PhysicalMemory(TableMemory);
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, PhysicalMemory.FrameSize, FrameOwner.Reserved);
        // Target frames are data, not tables: keep the allocator from putting a table there.
        foreach (var c in calls.Where(c => c.Pa < TableMemory && frames.Info(c.Pa).Owner == FrameOwner.Free))
            frames.Reserve(c.Pa, PhysicalMemory.FrameSize, FrameOwner.Process, 1);
        var pt = PageTable.Create(frames);
        var it = pt.Iter();
        foreach (var c in calls)
            it.Find(c.Va).Map(c.Pa, c.Perm);

        var table = pt.Dump();   // before the checks below set accessed bits
        // the exercise's rules allow any frame below 2^52 (MappingCheck.PhysicalLimit), the most x86-64 allows: the
        // MMU that demonstrates them has that MAXPHYADDR too (the simulated machine's own is 46)
        var mmu = new Mmu(memory) { MaxPhysicalAddressBits = 52 };
        var checks = pairs.Select(p => mmu.TryTranslate(pt.Root, p.Va, Access.Read, Privilege.Supervisor, out ulong pa, out _)
            ? new PairCheck(p, pa, pa == p.Pa)
            : new PairCheck(p, null, false)).ToList();
        int tablePages = 1;
        for (var pi = pt.TablePages(); !pi.Done; pi.Next()) tablePages++;
        return new MapCallsResult(calls, pt.Root, tablePages, table, checks);
    }
}

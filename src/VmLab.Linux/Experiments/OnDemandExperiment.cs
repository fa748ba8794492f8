using System.Diagnostics;
using VmLab.Linux.Faults;
using VmLab.Linux.Timing;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="OnDemandExperiment.Run"/> observed.</summary>
/// <param name="Pages">Pages of the hole written to.</param>
/// <param name="Faults">Faults the handler cured (one fresh page mapped each), counted by the native resolver.</param>
/// <param name="ValuesCorrect">Every value written through a faulting store reads back.</param>
/// <param name="FreshPagesZeroed">Apart from the values written, the mapped pages are zero-filled.</param>
/// <param name="Base">Start of the hole (hex).</param>
/// <param name="FaultAddresses">Each cured fault's address (hex), in order.</param>
/// <param name="HandlerNsPerFault">Extra time per fault: first pass of writes minus the same pass warm.</param>
/// <param name="KernelFaultNsPerPage">The same measure for a fresh read-write mapping: the kernel's own minor fault.</param>
/// <param name="HandlerToKernelRatio">How many kernel minor faults one user-space demand fault costs (median pair).</param>
/// <param name="HandlerVsKernel">Handler / kernel per interleaved pair of rounds: median and quartiles.</param>
/// <param name="Rounds">Interleaved rounds behind the timings.</param>
public sealed record OnDemandResult(
    int Pages,
    long Faults,
    bool ValuesCorrect,
    bool FreshPagesZeroed,
    string Base,
    IReadOnlyList<string> FaultAddresses,
    double HandlerNsPerFault,
    double KernelFaultNsPerPage,
    double HandlerToKernelRatio,
    Spread HandlerVsKernel,
    int Rounds)
{
    /// <summary>One fault per page and every value in place: each page was mapped on its first access.</summary>
    public bool Confirmed => Faults == Pages && ValuesCorrect && FreshPagesZeroed;

    /// <summary>
    /// The two checks a reader sees: one fault per page with every value in place, and the handler's fault dearer than
    /// the kernel's minor fault.
    /// </summary>
    public IReadOnlyList<Verdict> Verdicts =>
    [
        Verdict.Check("each page is mapped on its first access: one fault per page, every value in place", Confirmed,
            $"{Faults} faults for {Pages} pages, values {(ValuesCorrect ? "correct" : "WRONG")}, rest of each page {(FreshPagesZeroed ? "zero" : "NOT zero")}"),
        Verdict.Timing("a fault cured by a user-space handler costs more than the kernel's own minor fault", HandlerVsKernel.Median > 1,
            FormattableString.Invariant($"handler {HandlerNsPerFault:0} ns per fault, kernel {KernelFaultNsPerPage:0} ns per page; handler/kernel = {HandlerVsKernel.AsRatio()} over {Rounds} alternating rounds") +
            (HandlerVsKernel.Median > 1 ? " (a signal, a return to user space and an mmap per fault)" : "; here the kernel's fault cost as much as the handler's")),
    ];
}

/// <summary>
/// The seed's ondemand.c: reserve pages PROT_NONE, unmap them, then write to each. Every first write faults
/// (nothing is mapped there); the handler maps a fresh page at the faulting address and the write is retried.
/// The writes are ordinary managed stores: the fault is raised by managed code and cured natively.
/// </summary>
public static class OnDemandExperiment
{
    /// <summary>Pages in the hole when the caller gives no count.</summary>
    public const int DefaultPages = 16;

    /// <summary>Runs the demand-paging demonstration over <paramref name="pages"/> pages.</summary>
    public static unsafe OnDemandResult Run(int pages = DefaultPages)
    {
        Platform.RequireLinux("the ondemand experiment");
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        ulong length = (ulong)pages * (ulong)PageSize.Value;

        // Timings: the kernel's fault on a fresh mapping and the handler's in a fresh hole, in alternating
        // order, round after round; the first round warms both paths and is dropped.
        const int Rounds = 7;
        int batch = Math.Min(pages, 256);
        var rec = new PairRecorder();
        for (int r = 0; r <= Rounds; r++)
        {
            var pair = Interleaved.Pair(r, () => HandlerNs(batch), () => KernelNs(batch));
            if (r > 0)
                rec.Add(pair.A, pair.B);
        }
        var timings = rec.ToTimings();

        // The seed's order: reserve, then unmap. Registering in between leaves no moment where a first write
        // could land in the hole unhandled. The hole sits where the kernel does not place other mappings
        // (see Hole); one placed there anyway would be refused by the handler, never overwritten.
        nint hole = Hole.Reserve(length).Release();
        long faults;
        nint[] addresses;
        bool valuesCorrect, zeroed;
        try
        {
            using (var region = FaultHandler.Register(hole, length, FaultPolicy.MapFreshPage, logCapacity: pages))
            {
                Mapping.Adopt(hole, length).Dispose();
                WritePass(hole, pages);
                faults = region.Faults;
                addresses = region.FaultAddresses();
            }
            valuesCorrect = true;
            zeroed = true;
            for (int i = 0; i < pages; i++)
            {
                var page = new Span<long>((void*)(hole + i * PageSize.Value), PageSize.Value / sizeof(long));
                valuesCorrect &= page[0] == Value(i) && page[^1] == ~Value(i);
                zeroed &= !page[1..^1].ContainsAnyExcept(0L);
            }
        }
        finally
        {
            // The handler's pages (or the hole, if some were never written) are ours to unmap.
            Mapping.Adopt(hole, length).Dispose();
        }
        return new OnDemandResult(pages, faults, valuesCorrect, zeroed, $"0x{hole:x}",
            addresses.Select(a => $"0x{a:x}").ToList(), Math.Round(timings.SpreadA.Median, 1), Math.Round(timings.SpreadB.Median, 1),
            Math.Round(timings.AOverB.Median, 2), timings.AOverB, Rounds);
    }

    /// <summary>Extra time per page of the first pass of writes to a fresh read-write mapping: the kernel's minor fault.</summary>
    private static double KernelNs(int pages)
    {
        using var fresh = Mapping.Anonymous((ulong)pages * (ulong)PageSize.Value);
        long cold = WritePass(fresh.Address, pages);
        long warm = WritePass(fresh.Address, pages);
        return Math.Max(0, IdempotentExperiment.Ns(cold - warm)) / pages;
    }

    /// <summary>The same for a hole whose pages the handler maps: extra time per cured fault.</summary>
    private static double HandlerNs(int pages)
    {
        ulong length = (ulong)pages * (ulong)PageSize.Value;
        nint hole = Hole.Reserve(length).Release();
        try
        {
            using var region = FaultHandler.Register(hole, length, FaultPolicy.MapFreshPage, logCapacity: 0);
            Mapping.Adopt(hole, length).Dispose();
            long cold = WritePass(hole, pages);
            long faults = region.Faults;
            long warm = WritePass(hole, pages);
            return faults == 0 ? 0 : Math.Max(0, IdempotentExperiment.Ns(cold - warm)) / faults;
        }
        finally
        {
            Mapping.Adopt(hole, length).Dispose();
        }
    }

    /// <summary>
    /// Shows that a fault the regions no longer own is not swallowed: registers a protected page, disposes the
    /// region, and writes to the page. The handler passes the fault on and the runtime ends the process (a
    /// fatal access violation). Returns only if the write wrongly succeeded.
    /// </summary>
    public static unsafe void WriteAfterDispose()
    {
        Platform.RequireLinux("the ondemand experiment");
        using var page = Mapping.Anonymous((ulong)PageSize.Value, Prot.PROT_NONE);
        FaultHandler.Register(page, FaultPolicy.MakeAccessible).Dispose();
        *(long*)page.Address = 1;
        throw new InvalidOperationException("a write to a protected page outside every fault region succeeded: the fault was swallowed");
    }

    private static long Value(int page) => 0x5EED_0000L + page * 0x1001L;

    /// <summary>One store at the start and one at the end of each page; the first per page faults when cold.</summary>
    private static unsafe long WritePass(nint start, int pages)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < pages; i++)
        {
            long* p = (long*)(start + i * PageSize.Value);
            p[0] = Value(i);
            p[PageSize.Value / sizeof(long) - 1] = ~Value(i);
        }
        return Stopwatch.GetTimestamp() - t0;
    }
}

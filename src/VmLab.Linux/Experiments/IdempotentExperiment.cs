using System.Diagnostics;
using VmLab.Linux.Faults;
using VmLab.Linux.Timing;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="IdempotentExperiment.Run"/> observed.</summary>
/// <param name="Pages">Destination pages the copy spans.</param>
/// <param name="Bytes">Bytes copied by the single rep movsb.</param>
/// <param name="Faults">Faults the handler cured in the destination region, counted by the native resolver.</param>
/// <param name="CopyCorrect">The destination equals the source, byte for byte.</param>
/// <param name="Destination">Start of the destination region (hex).</param>
/// <param name="FaultAddresses">Each cured fault's address (hex), in order.</param>
/// <param name="FaultsAtPageStarts">Every fault address is the first byte of a destination page, ascending.</param>
/// <param name="HandlerNsPerFault">Extra time per fault: copy into protected pages minus the same copy warm.</param>
/// <param name="KernelFaultNsPerPage">The same measure for a fresh read-write mapping: the kernel's own minor fault.</param>
/// <param name="HandlerToKernelRatio">How many kernel minor faults one user-space cured fault costs (median pair).</param>
/// <param name="HandlerVsKernel">Handler / kernel per interleaved pair of rounds: median and quartiles.</param>
/// <param name="Rounds">Interleaved rounds behind the timings.</param>
public sealed record IdempotentResult(
    int Pages,
    long Bytes,
    long Faults,
    bool CopyCorrect,
    string Destination,
    IReadOnlyList<string> FaultAddresses,
    bool FaultsAtPageStarts,
    double HandlerNsPerFault,
    double KernelFaultNsPerPage,
    double HandlerToKernelRatio,
    Spread HandlerVsKernel,
    int Rounds)
{
    /// <summary>One fault per page and a correct copy: the single instruction resumed after every fault.</summary>
    public bool Confirmed => Faults == Pages && CopyCorrect;

    /// <summary>
    /// The two checks a reader sees: one fault per page with a byte-exact copy, and the handler's fault dearer than the
    /// kernel's minor fault.
    /// </summary>
    public IReadOnlyList<Verdict> Verdicts =>
    [
        Verdict.Check("one rep movsb resumes after every fault: one fault per page and a byte-exact copy", Confirmed,
            $"{Faults} faults for {Pages} pages, copy {(CopyCorrect ? "correct" : "WRONG")}"),
        Verdict.Timing("a fault cured by a user-space handler costs more than the kernel's own minor fault", HandlerVsKernel.Median > 1,
            FormattableString.Invariant($"handler {HandlerNsPerFault:0} ns per fault, kernel {KernelFaultNsPerPage:0} ns per page; handler/kernel = {HandlerVsKernel.AsRatio()} over {Rounds} alternating rounds") +
            (HandlerVsKernel.Median > 1 ? " (a signal, a return to user space and an mprotect per fault)" : "; here the kernel's fault cost as much as the handler's")),
    ];
}

/// <summary>
/// The seed's idempotent.c: one rep movsb copies into destination pages that are all PROT_NONE. Each time the
/// instruction reaches a protected page it faults; the handler makes that page read-write and the instruction
/// resumes where it stopped (its progress lives in rsi/rdi/rcx). One fault per page, and a correct copy.
/// </summary>
public static class IdempotentExperiment
{
    /// <summary>Bytes copied when the caller gives no size: 32 KiB, eight 4 KiB pages.</summary>
    public const int DefaultBytes = 32 * 1024;

    /// <summary>Runs the copy of <paramref name="bytes"/> bytes (a seeded pattern) into protected pages.</summary>
    public static unsafe IdempotentResult Run(long bytes = DefaultBytes, int seed = 42)
    {
        Platform.RequireLinux("the idempotent experiment");
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        int pages = (int)PageSize.PagesFor((ulong)bytes);

        using var source = Mapping.Anonymous((ulong)bytes);
        new Random(seed).NextBytes(source.Span[..(int)bytes]);

        // Load libvmlab and bind the import before anything is timed.
        using (var scratch = Mapping.Anonymous((ulong)PageSize.Value))
            RepMovsb.Copy(scratch.Address, source.Address, 1);
        // Timings in alternating rounds (the first warms both paths and is dropped), over at most 1 MiB.
        const int Rounds = 7;
        long batch = Math.Min(bytes, 1L << 20);
        var rec = new PairRecorder();
        for (int r = 0; r <= Rounds; r++)
        {
            var pair = Interleaved.Pair(r, () => HandlerFaultNs(source, batch), () => KernelFaultNs(source, batch));
            if (r > 0)
                rec.Add(pair.A, pair.B);
        }
        var timings = rec.ToTimings();

        using var destination = Mapping.Anonymous((ulong)bytes, Prot.PROT_NONE);
        long faults;
        nint[] addresses;
        using (var region = FaultHandler.Register(destination, FaultPolicy.MakeAccessible, logCapacity: pages))
        {
            TimeCopy(destination, source, bytes);
            faults = region.Faults;
            addresses = region.FaultAddresses();
        }
        bool correct = destination.Span[..(int)bytes].SequenceEqual(source.Span[..(int)bytes]);
        bool atStarts = addresses.Length == pages
            && addresses.Select((a, i) => a == destination.PageAddress(i)).All(x => x);
        return new IdempotentResult(pages, bytes, faults, correct, $"0x{destination.Address:x}",
            addresses.Select(a => $"0x{a:x}").ToList(), atStarts, Math.Round(timings.SpreadA.Median, 1), Math.Round(timings.SpreadB.Median, 1),
            Math.Round(timings.AOverB.Median, 2), timings.AOverB, Rounds);
    }

    /// <summary>Per-page cost of the first copy into a fresh read-write mapping beyond a warm copy.</summary>
    private static double KernelFaultNs(Mapping source, long bytes)
    {
        using var fresh = Mapping.Anonymous((ulong)bytes);
        long cold = TimeCopy(fresh, source, bytes);
        long warm = TimeCopy(fresh, source, bytes);
        return Math.Max(0, Ns(cold - warm)) / PageSize.PagesFor((ulong)bytes);
    }

    /// <summary>The same into PROT_NONE pages that the handler opens one fault at a time: per cured fault.</summary>
    private static double HandlerFaultNs(Mapping source, long bytes)
    {
        using var destination = Mapping.Anonymous((ulong)bytes, Prot.PROT_NONE);
        using var region = FaultHandler.Register(destination, FaultPolicy.MakeAccessible);
        long cold = TimeCopy(destination, source, bytes);
        long faults = region.Faults;
        long warm = TimeCopy(destination, source, bytes);
        return faults == 0 ? 0 : Math.Max(0, Ns(cold - warm)) / faults;
    }

    private static long TimeCopy(Mapping destination, Mapping source, long bytes)
    {
        long t0 = Stopwatch.GetTimestamp();
        RepMovsb.Copy(destination.Address, source.Address, (nuint)bytes);
        return Stopwatch.GetTimestamp() - t0;
    }

    internal static double Ns(long ticks) => ticks * 1e9 / Stopwatch.Frequency;
}

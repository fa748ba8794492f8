using System.Diagnostics;
using VmLab.Linux.Faults;

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
/// <param name="HandlerToKernelRatio">How many kernel minor faults one user-space cured fault costs.</param>
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
    double HandlerToKernelRatio)
{
    /// <summary>One fault per page and a correct copy: the single instruction resumed after every fault.</summary>
    public bool Confirmed => Faults == Pages && CopyCorrect;
}

/// <summary>
/// The seed's idempotent.c: one rep movsb copies into destination pages that are all PROT_NONE. Each time the
/// instruction reaches a protected page it faults; the handler makes that page read-write and the instruction
/// resumes where it stopped (its progress lives in rsi/rdi/rcx). One fault per page, and a correct copy.
/// </summary>
public static class IdempotentExperiment
{
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
        double kernelNs = KernelFaultNs(source, bytes, pages);

        using var destination = Mapping.Anonymous((ulong)bytes, Prot.PROT_NONE);
        long faults;
        nint[] addresses;
        long cold, warm;
        using (var region = FaultHandler.Register(destination, FaultPolicy.MakeAccessible, logCapacity: pages))
        {
            cold = TimeCopy(destination, source, bytes);
            faults = region.Faults;
            addresses = region.FaultAddresses();
            warm = TimeCopy(destination, source, bytes);
        }
        bool correct = destination.Span[..(int)bytes].SequenceEqual(source.Span[..(int)bytes]);
        bool atStarts = addresses.Length == pages
            && addresses.Select((a, i) => a == destination.PageAddress(i)).All(x => x);
        double handlerNs = faults == 0 ? 0 : Math.Max(0, Ns(cold - warm)) / faults;
        return new IdempotentResult(pages, bytes, faults, correct, $"0x{destination.Address:x}",
            addresses.Select(a => $"0x{a:x}").ToList(), atStarts, Math.Round(handlerNs, 1), Math.Round(kernelNs, 1),
            kernelNs > 0 ? Math.Round(handlerNs / kernelNs, 2) : 0);
    }

    /// <summary>Per-page cost of the first copy into a fresh read-write mapping beyond a warm copy.</summary>
    private static double KernelFaultNs(Mapping source, long bytes, int pages)
    {
        using var fresh = Mapping.Anonymous((ulong)bytes);
        long cold = TimeCopy(fresh, source, bytes);
        long warm = TimeCopy(fresh, source, bytes);
        return Math.Max(0, Ns(cold - warm)) / pages;
    }

    private static long TimeCopy(Mapping destination, Mapping source, long bytes)
    {
        long t0 = Stopwatch.GetTimestamp();
        RepMovsb.Copy(destination.Address, source.Address, (nuint)bytes);
        return Stopwatch.GetTimestamp() - t0;
    }

    internal static double Ns(long ticks) => ticks * 1e9 / Stopwatch.Frequency;
}

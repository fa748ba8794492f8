using BenchmarkDotNet.Attributes;
using VmLab.Linux;
using VmLab.Linux.Faults;

namespace VmLab.Bench;

/// <summary>
/// Per-fault cost of a page made accessible on first touch, three ways, in one run (compare the ratios):
/// the kernel's own minor fault (baseline), the ondemand handler (SIGSEGV, mmap of a fresh page in C), and the
/// idempotent handler (SIGSEGV, mprotect of the page in C). Each invocation resets <see cref="Pages"/> pages
/// and then writes one byte to each: the reset (madvise, munmap, mprotect) is part of the cost, amortised
/// over the pages, as it would be in a program that recycles memory this way.
/// </summary>
public unsafe class FaultBench
{
    private const int Pages = 64;
    private static readonly ulong Length = (ulong)(Pages * PageSize.Value);

    private Mapping _fresh = null!;
    private nint _hole;
    private FaultRegion _holeRegion = null!;
    private Mapping _protected = null!;
    private FaultRegion _protectedRegion = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fresh = Mapping.Anonymous(Length);
        _hole = Hole.Reserve(Length).Release();
        _holeRegion = FaultHandler.Register(_hole, Length, FaultPolicy.MapFreshPage);
        _protected = Mapping.Anonymous(Length, Prot.PROT_NONE);
        _protectedRegion = FaultHandler.Register(_protected, FaultPolicy.MakeAccessible);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// faults cured: ondemand {_holeRegion.Faults}, idempotent {_protectedRegion.Faults}; refused: {_holeRegion.Refused + _protectedRegion.Refused}");
        _holeRegion.Dispose();
        _protectedRegion.Dispose();
        Mapping.Adopt(_hole, Length).Dispose();
        _protected.Dispose();
        _fresh.Dispose();
    }

    /// <summary>First touch of a page the kernel has just dropped (MADV_DONTNEED): a kernel minor fault.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    public void KernelMinorFault()
    {
        _fresh.Advise(Advice.MADV_DONTNEED);
        Touch(_fresh.Address);
    }

    /// <summary>The ondemand path: the range is unmapped; each touch faults and the handler maps a fresh page.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public void OnDemandHandler()
    {
        if (Interop.Mman.munmap(_hole, (nuint)Length) != 0)
            throw LinuxException.FromLastError("munmap");
        Touch(_hole);
    }

    /// <summary>The idempotent path: the range is PROT_NONE and dropped; each touch faults and the handler
    /// mprotects the page read-write (the kernel then supplies the page).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public void IdempotentMprotect()
    {
        _protected.Protect(Prot.PROT_NONE);
        _protected.Advise(Advice.MADV_DONTNEED);
        Touch(_protected.Address);
    }

    private static void Touch(nint start)
    {
        for (int i = 0; i < Pages; i++)
            *(byte*)(start + i * PageSize.Value) = 1;
    }
}

using BenchmarkDotNet.Attributes;
using VmLab.Linux.LazyCopy;

namespace VmLab.Bench;

/// <summary>
/// The userfaultfd strategy next to the same mechanism in plain C (native/reference/lazycopy_ref_uffd.c): a
/// server thread splits a write-protected view and wakes the writer. Both pay the two thread hand-offs a
/// userfaultfd split needs; the seed-method categories show what a split costs without them.
/// </summary>
public unsafe partial class LazyCopyVsCBench
{
    private ChunkAllocator _uffd = null!, _uffdNoSpares = null!;
    private readonly Chunk[] _uffdSrc = new Chunk[Batch], _uffdSrcNoSpares = new Chunk[Batch];
    private readonly nint[] _refUffdSrc = new nint[Batch];

    private void SetupUffd()
    {
        if (Ref.ref_uffd_init() != 0)
            throw new InvalidOperationException("libvmlabref: userfaultfd is unavailable (vm.unprivileged_userfaultfd?)");
        _uffd = new ChunkAllocator(LazyCopyStrategy.Uffd, ChunkBytes, spareChunks: Batch);
        _uffdNoSpares = new ChunkAllocator(LazyCopyStrategy.Uffd, ChunkBytes, spareChunks: 0);
        for (int i = 0; i < Batch; i++)
        {
            (_uffdSrc[i] = _uffd.Allocate()).Span.Fill((byte)i);
            (_uffdSrcNoSpares[i] = _uffdNoSpares.Allocate()).Span.Fill((byte)i);
            _refUffdSrc[i] = Filled(Ref.ref_alloc((nuint)ChunkBytes), i);
        }
    }

    private void CleanupUffd()
    {
        _uffd.Dispose();
        _uffdNoSpares.Dispose();
    }

    // ---- uffd lazy copy: mremap(old, 0), both views registered and write-protected ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("uffd lazy copy")]
    public void C_UffdLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_uffd_copy_lazy(_refUffdSrc[i], (nuint)ChunkBytes);
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("uffd lazy copy")]
    public void VmLab_UffdLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _uffd.CopyLazy(_uffdSrc[i]);
    }

    // ---- uffd first write: the server's split, with fresh frames and with pre-faulted spares ----

    [IterationSetup(Target = nameof(C_UffdSplit))]
    public void RefUffdCopiesNoSpares()
    {
        Ref.ref_use_spares(0);
        C_UffdLazyCopy();
    }

    [IterationSetup(Target = nameof(C_UffdSplitIntoSpare))]
    public void RefUffdCopiesWithSpares()
    {
        Ref.ref_use_spares(1);
        C_UffdLazyCopy();
    }

    [IterationSetup(Target = nameof(VmLab_UffdSplit))]
    public void UffdCopiesNoSpares()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _uffdNoSpares.CopyLazy(_uffdSrcNoSpares[i]);
    }

    [IterationSetup(Target = nameof(VmLab_UffdSplitIntoSpare))]
    public void UffdCopiesWithSpares()
    {
        VmLab_UffdLazyCopy();
        ChunkAllocator.WaitForSpares(TimeSpan.FromSeconds(5));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("uffd split")]
    public void C_UffdSplit() => WriteRefCopies();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("uffd split")]
    public void VmLab_UffdSplit() => WriteCopies();

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("uffd split, pre-faulted")]
    public void C_UffdSplitIntoSpare() => WriteRefCopies();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("uffd split, pre-faulted")]
    public void VmLab_UffdSplitIntoSpare() => WriteCopies();
}

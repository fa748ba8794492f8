using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VmLab.Linux.LazyCopy;

namespace VmLab.Bench;

/// <summary>
/// VmLab's lazy copy next to the same mechanisms written in plain C (native/reference/), in one run, per step:
/// each category's C method is the baseline, so the Ratio column is VmLab / C. Every invocation works on a batch
/// of 64 fresh chunks made in the iteration setup (fewer make iterations too short to time); results are per
/// chunk. The target: within 1.25x of C for copies and first writes.
/// Run: dotnet run -c Release --project bench/VmLab.Bench -- --filter '*LazyCopyVsC*'
/// </summary>
[InvocationCount(1, 1)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public unsafe partial class LazyCopyVsCBench
{
    internal const int Batch = 64;
    private ChunkAllocator _segv = null!, _segvNoSpares = null!, _kcow = null!;
    private readonly Chunk[] _src = new Chunk[Batch], _srcNoSpares = new Chunk[Batch], _kcowSrc = new Chunk[Batch];
    private readonly Chunk?[] _copies = new Chunk?[Batch];
    private readonly nint[] _refSrc = new nint[Batch], _refCopies = new nint[Batch], _refKcowSrc = new nint[Batch], _refFrozenSrc = new nint[Batch];
    private readonly int[] _refKcowFd = new int[Batch], _refFrozenFd = new int[Batch];
    private Microsoft.Win32.SafeHandles.SafeFileHandle _pagemap = null!;

    [Params(64 * 1024, 2 * 1024 * 1024)]
    public int ChunkBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Ref.ref_init() != 0)
            throw new InvalidOperationException("libvmlabref: could not register its fault resolver");
        _segv = new ChunkAllocator(LazyCopyStrategy.Segv, ChunkBytes, spareChunks: Batch);
        _segvNoSpares = new ChunkAllocator(LazyCopyStrategy.Segv, ChunkBytes, spareChunks: 0);
        _kcow = new ChunkAllocator(LazyCopyStrategy.Kcow, ChunkBytes);
        for (int i = 0; i < Batch; i++)
        {
            (_src[i] = _segv.Allocate()).Span.Fill((byte)i);
            (_srcNoSpares[i] = _segvNoSpares.Allocate()).Span.Fill((byte)i);
            (_kcowSrc[i] = _kcow.Allocate()).Span.Fill((byte)i);
            _refSrc[i] = Filled(Ref.ref_alloc((nuint)ChunkBytes), i);
            _refKcowSrc[i] = Filled(Ref.ref_kcow_alloc((nuint)ChunkBytes, out _refKcowFd[i]), i);
            _refFrozenSrc[i] = Filled(Ref.ref_kcow_alloc((nuint)ChunkBytes, out _refFrozenFd[i]), i);
            if (Ref.ref_kcow_freeze(_refFrozenSrc[i], _refFrozenFd[i], (nuint)ChunkBytes) != 0)
                throw new InvalidOperationException("libvmlabref: could not remap a kcow chunk private");
        }
        _pagemap = File.OpenHandle("/proc/self/pagemap");
        SetupUffd();
        foreach (var c in _kcowSrc)   // kcow sources in their steady state: private views of a frozen file
            _kcow.CopyLazy(c).Dispose();
    }

    /// <summary>A C chunk (0: the reference ran out of memory) filled with byte <paramref name="value"/>.</summary>
    private nint Filled(nint chunk, int value)
    {
        if (chunk == 0)
            throw new InvalidOperationException("libvmlabref: out of memory");
        new Span<byte>((void*)chunk, ChunkBytes).Fill((byte)value);
        return chunk;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        FreeFreshKcow();
        _segv.Dispose();
        _segvNoSpares.Dispose();
        _kcow.Dispose();
        _pagemap.Dispose();
        CleanupUffd();
    }

    // ---- eager copy: fresh chunk + memcpy ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("eager copy")]
    public void C_EagerCopy()
    {
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_copy_eager(_refSrc[i], (nuint)ChunkBytes);
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("eager copy")]
    public void VmLab_EagerCopy()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _segv.CopyEager(_src[i]);
    }

    // ---- lazy copy: mprotect + mremap(old, 0) ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("lazy copy")]
    public void C_LazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_copy_lazy(_refSrc[i], (nuint)ChunkBytes);
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("lazy copy")]
    public void VmLab_LazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _segv.CopyLazy(_src[i]);
    }

    // ---- first write to a lazy copy: the split, with fresh frames and with pre-faulted spares ----

    [IterationSetup(Target = nameof(C_Split))]
    public void RefLazyCopiesNoSpares()
    {
        Ref.ref_use_spares(0);
        C_LazyCopy();
    }

    [IterationSetup(Target = nameof(C_SplitIntoSpare))]
    public void RefLazyCopiesWithSpares()
    {
        Ref.ref_use_spares(1);
        C_LazyCopy();
    }

    [IterationSetup(Target = nameof(VmLab_Split))]
    public void LazyCopiesNoSpares()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _segvNoSpares.CopyLazy(_srcNoSpares[i]);
    }

    [IterationSetup(Target = nameof(VmLab_SplitIntoSpare))]
    public void LazyCopiesWithSpares()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _segv.CopyLazy(_src[i]);
        ChunkAllocator.WaitForSpares(TimeSpan.FromSeconds(5));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("split")]
    public void C_Split() => WriteRefCopies();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("split")]
    public void VmLab_Split() => WriteCopies();

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("split, pre-faulted")]
    public void C_SplitIntoSpare() => WriteRefCopies();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("split, pre-faulted")]
    public void VmLab_SplitIntoSpare() => WriteCopies();

    // ---- kernel copy-on-write: MAP_PRIVATE views of a memfd ----

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("kcow lazy copy")]
    public void C_KcowLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_kcow_copy_lazy(_refKcowFd[i], (nuint)ChunkBytes);
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("kcow lazy copy")]
    public void VmLab_KcowLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _kcow.CopyLazy(_kcowSrc[i]);
    }

    // A correct copy of a private view must first find out whether the view has written pages (its file is then
    // stale): the C above skips that, so this category gives C the same page-map check VmLab makes.

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("kcow lazy copy, both check")]
    public void C_KcowLazyCopyChecked()
    {
        int pagemap = (int)_pagemap.DangerousGetHandle();
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_kcow_copy_lazy_checked(_refFrozenSrc[i], _refFrozenFd[i], (nuint)ChunkBytes, pagemap, out _refFrozenFd[i]);
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("kcow lazy copy, both check")]
    public void VmLab_KcowLazyCopyChecked() => VmLab_KcowLazyCopy();

    [IterationSetup(Target = nameof(C_KcowFirstWrite))]
    public void RefKcowCopies() => C_KcowLazyCopy();

    [IterationSetup(Target = nameof(VmLab_KcowFirstWrite))]
    public void KcowCopies() => VmLab_KcowLazyCopy();

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("kcow first write")]
    public void C_KcowFirstWrite() => WriteRefCopies();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("kcow first write")]
    public void VmLab_KcowFirstWrite() => WriteCopies();

    // ---- cleanup: every copy made in an iteration is freed after it ----

    [IterationCleanup]
    public void FreeCopies()
    {
        for (int i = 0; i < Batch; i++)
        {
            _copies[i]?.Dispose();
            _copies[i] = null;
            if (_refCopies[i] != 0)
            {
                // A C lazy copy left unsplit (the lazy-copy category) is split here, so its source is writable
                // again and its pair is gone: the next iteration starts from the same state.
                ref byte first = ref *(byte*)_refCopies[i];
                Volatile.Write(ref first, Volatile.Read(ref first));
                Ref.ref_free(_refCopies[i], (nuint)ChunkBytes);
                _refCopies[i] = 0;
            }
        }
        Ref.ref_spares((nuint)ChunkBytes, Batch);
    }

    private void WriteRefCopies()
    {
        for (int i = 0; i < Batch; i++)
            ((byte*)_refCopies[i])[ChunkBytes / 2 + i] = 1;
    }

    private void WriteCopies()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i]!.Pointer[ChunkBytes / 2 + i] = 1;
    }

    private static partial class Ref
    {
        private const string Lib = "vmlabref";

        [LibraryImport(Lib)] internal static partial int ref_init();
        [LibraryImport(Lib)] internal static partial nint ref_alloc(nuint size);
        [LibraryImport(Lib)] internal static partial nint ref_copy_eager(nint src, nuint size);
        [LibraryImport(Lib)] internal static partial nint ref_copy_lazy(nint src, nuint size);
        [LibraryImport(Lib)] internal static partial int ref_spares(nuint size, int n);
        [LibraryImport(Lib)] internal static partial void ref_use_spares(int on);
        [LibraryImport(Lib)] internal static partial void ref_free(nint p, nuint size);
        [LibraryImport(Lib)] internal static partial nint ref_kcow_alloc(nuint size, out int fd);
        [LibraryImport(Lib)] internal static partial nint ref_kcow_copy_lazy(int fd, nuint size);
        [LibraryImport(Lib)] internal static partial int ref_kcow_freeze(nint src, int fd, nuint size);
        [LibraryImport(Lib)] internal static partial nint ref_kcow_copy_lazy_checked(nint src, int fd, nuint size, int pagemap, out int fdOut);
        [LibraryImport(Lib)] internal static partial int ref_uffd_init();
        [LibraryImport(Lib)] internal static partial void ref_kcow_free(nint p, int fd, nuint size);
        [LibraryImport(Lib)] internal static partial nint ref_uffd_copy_lazy(nint src, nuint size);
    }
}

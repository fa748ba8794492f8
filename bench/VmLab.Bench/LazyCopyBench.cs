using BenchmarkDotNet.Attributes;
using VmLab.Linux.LazyCopy;

namespace VmLab.Bench;

/// <summary>
/// Per chunk, per strategy, at 64 KiB and 2 MiB: eager copy, lazy copy, and the first write after a lazy copy
/// (the split), next to the first write to an eager copy. Each invocation works on a batch of fresh chunks made
/// in the iteration setup, so every measured copy and write is a first one; results are per chunk.
/// C reference, same machine class, per 64 KiB: eager ~46 us, seed lazy copy ~11 us, its first write ~80 us,
/// kernel-COW lazy copy ~9 us and its first write ~2.3 us; at 2 MiB eager ~1.36 ms, lazy ~66 us.
/// </summary>
[InvocationCount(1, 1)]
public class LazyCopyBench
{
    private ChunkAllocator _allocator = null!, _noSpares = null!;
    private Chunk[] _sources = [], _targets = [], _noSparesSources = [];
    private int _batch;

    [Params(LazyCopyStrategy.Segv, LazyCopyStrategy.Uffd, LazyCopyStrategy.Kcow)]
    public LazyCopyStrategy Strategy { get; set; }

    [Params(64 * 1024, 2 * 1024 * 1024)]
    public int ChunkBytes { get; set; }

    private const int BatchSize = 16;

    [GlobalSetup]
    public void Setup()
    {
        _allocator = new ChunkAllocator(Strategy, ChunkBytes, spareChunks: BatchSize);
        _noSpares = new ChunkAllocator(Strategy, ChunkBytes, spareChunks: 0);
        _batch = BatchSize;
        _sources = new Chunk[_batch];
        _targets = new Chunk[_batch];
        for (int i = 0; i < _batch; i++)
        {
            _sources[i] = _allocator.Allocate();
            _sources[i].Span.Fill((byte)i);
        }
        _noSparesSources = new Chunk[_batch];
        for (int i = 0; i < _batch; i++)
        {
            _noSparesSources[i] = _noSpares.Allocate();
            _noSparesSources[i].Span.Fill((byte)i);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _allocator.Dispose();
        _noSpares.Dispose();
    }

    [IterationSetup(Targets = [nameof(FirstWriteAfterLazyCopy)])]
    public void MakeLazyCopies()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i] = _allocator.CopyLazy(_sources[i]);
        ChunkAllocator.WaitForSpares(TimeSpan.FromSeconds(2));   // the steady state: spare pools refilled
    }

    [IterationSetup(Targets = [nameof(FirstWriteAfterLazyCopyNoSpares)])]
    public void MakeLazyCopiesNoSpares()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i] = _noSpares.CopyLazy(_noSparesSources[i]);
    }

    [IterationSetup(Targets = [nameof(FirstWriteAfterEagerCopy)])]
    public void MakeEagerCopies()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i] = _allocator.CopyEager(_sources[i]);
    }

    [IterationCleanup]
    public void FreeCopies()
    {
        foreach (var c in _targets)
            c?.Dispose();
        Array.Clear(_targets);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void EagerCopy()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i] = _allocator.CopyEager(_sources[i]);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void LazyCopy()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i] = _allocator.CopyLazy(_sources[i]);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void FirstWriteAfterLazyCopy() => WriteTargets();

    /// <summary>The same split with the spare pool off: every split maps and populates fresh frames.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void FirstWriteAfterLazyCopyNoSpares() => WriteTargets();

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void FirstWriteAfterEagerCopy() => WriteTargets();

    /// <summary>One byte into each target, each in a different page offset.</summary>
    private unsafe void WriteTargets()
    {
        for (int i = 0; i < _batch; i++)
            _targets[i].Pointer[ChunkBytes / 2 + i] = 1;
    }
}

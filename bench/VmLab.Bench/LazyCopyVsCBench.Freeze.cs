using BenchmarkDotNet.Attributes;
using VmLab.Linux.LazyCopy;

namespace VmLab.Bench;

/// <summary>
/// kcow's first lazy copy of a chunk: the chunk is still the shared writer of its file, so the copy first remaps
/// it private ("freezes" the file: its later writes must not reach the copy), then maps the copy. The C does the
/// same two mmaps. Each invocation gets fresh written chunks; the previous invocation's are freed first.
/// </summary>
public unsafe partial class LazyCopyVsCBench
{
    private readonly Chunk?[] _kcowFresh = new Chunk?[Batch];
    private readonly nint[] _refKcowFresh = new nint[Batch];
    private readonly int[] _refKcowFreshFd = new int[Batch];

    [IterationSetup(Target = nameof(C_KcowFirstLazyCopy))]
    public void RefFreshKcowChunks()
    {
        FreeFreshKcow();
        for (int i = 0; i < Batch; i++)
            _refKcowFresh[i] = Filled(Ref.ref_kcow_alloc((nuint)ChunkBytes, out _refKcowFreshFd[i]), i);
    }

    [IterationSetup(Target = nameof(VmLab_KcowFirstLazyCopy))]
    public void FreshKcowChunks()
    {
        FreeFreshKcow();
        for (int i = 0; i < Batch; i++)
            (_kcowFresh[i] = _kcow.Allocate()).Span.Fill((byte)i);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch), BenchmarkCategory("kcow first lazy copy")]
    public void C_KcowFirstLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _refCopies[i] = Ref.ref_kcow_freeze(_refKcowFresh[i], _refKcowFreshFd[i], (nuint)ChunkBytes) == 0
                ? Ref.ref_kcow_copy_lazy(_refKcowFreshFd[i], (nuint)ChunkBytes) : 0;
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("kcow first lazy copy")]
    public void VmLab_KcowFirstLazyCopy()
    {
        for (int i = 0; i < Batch; i++)
            _copies[i] = _kcow.CopyLazy(_kcowFresh[i]!);
    }

    private void FreeFreshKcow()
    {
        for (int i = 0; i < Batch; i++)
        {
            _kcowFresh[i]?.Dispose();
            _kcowFresh[i] = null;
            if (_refKcowFresh[i] != 0)
            {
                Ref.ref_kcow_free(_refKcowFresh[i], _refKcowFreshFd[i], (nuint)ChunkBytes);
                _refKcowFresh[i] = 0;
            }
        }
    }
}

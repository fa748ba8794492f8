using static VmLab.Linux.Interop.LazyCopy;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// Chunks whose views live in native/vmlab/lazycopy.c: MAP_SHARED|MAP_ANONYMOUS, lazy copy = mremap(old, 0)
/// second view, split on first write by native code. This class only calls in. With <see cref="UffdFd"/> = -1
/// it is the seed's method (mprotect + SIGSEGV resolver); <see cref="UffdBackend"/> passes a userfaultfd.
/// </summary>
internal class NativeViewBackend : ChunkBackend
{
    private static readonly Lock InitLock = new();
    private static bool _initialised;
    private readonly int _spareBytes;   // 0: this backend holds no spare pool

    /// <param name="uffdFd">The userfaultfd the views are write-protected with, or -1 for the SIGSEGV resolver.</param>
    /// <param name="chunkBytes">Bytes per chunk.</param>
    /// <param name="spares">Pre-faulted spare mappings of <paramref name="chunkBytes"/> kept for splits (0: none).</param>
    protected NativeViewBackend(int uffdFd, int chunkBytes, int spares)
    {
        UffdFd = uffdFd;
        lock (InitLock)
        {
            if (!_initialised)
            {
                if (vmlab_lc_init() != 0)
                    throw LastError("vmlab_lc_init", "installing the SIGSEGV resolver");
                _initialised = true;
            }
        }
        // NOTE: pools exist for at most 8 chunk sizes at once; past that (ENOSPC) splits map fresh frames, as
        // they do whenever the pool is empty. Spares are an optimisation, never a reason to fail.
        if (spares > 0 && vmlab_lc_spares_acquire((nuint)chunkBytes, spares) == 0)
            _spareBytes = chunkBytes;
    }

    /// <summary>Gives the spare pool back (the allocator has freed every chunk by now).</summary>
    public override void Dispose()
    {
        if (_spareBytes > 0)
            vmlab_lc_spares_release((nuint)_spareBytes);
    }

    /// <summary>The userfaultfd guarding these chunks, or -1 for mprotect.</summary>
    protected int UffdFd { get; }

    public override LazyCopyStrategy Strategy => UffdFd < 0 ? LazyCopyStrategy.Segv : LazyCopyStrategy.Uffd;

    public override Chunk Allocate(int bytes)
    {
        nint view = vmlab_lc_alloc((nuint)bytes, UffdFd, _spareBytes == bytes ? 1 : 0, out nint address);
        if (view == 0)
            throw LastError("mmap", $"a {bytes}-byte MAP_SHARED|MAP_ANONYMOUS chunk");
        return new Chunk(this, address, bytes, view, null);
    }

    public override Chunk CopyEager(Chunk source)
    {
        nint view = vmlab_lc_copy_eager(source.Handle, out nint address);
        if (view == 0)
            throw LastError("mmap", $"an eager copy of a {source.Length}-byte chunk");
        return new Chunk(this, address, source.Length, view, null);
    }

    public override Chunk CopyLazy(Chunk source)
    {
        nint view = vmlab_lc_copy_lazy(source.Handle, out nint address);
        if (view == 0)
            throw LastError("mremap", $"a lazy copy (second view) of a {source.Length}-byte chunk");
        return new Chunk(this, address, source.Length, view, null);
    }

    public override void Free(Chunk chunk)
    {
        if (vmlab_lc_free(chunk.Handle) != 0)
            throw LastError("munmap", "freeing a chunk");
    }

    public override bool IsShared(Chunk chunk) => vmlab_lc_is_shared(chunk.Handle) != 0;

    /// <summary>The native counters (process-wide: every segv and uffd allocator shares one table).</summary>
    internal static Stats ReadStats()
    {
        vmlab_lc_get_stats(out Stats s);
        return s;
    }
}

/// <summary>The seed's method: read-only views, split by the SIGSEGV resolver in the faulting thread.</summary>
internal sealed class SegvBackend(int chunkBytes, int spares) : NativeViewBackend(-1, chunkBytes, spares);

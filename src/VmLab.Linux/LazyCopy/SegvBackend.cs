using static VmLab.Linux.Interop.LazyCopy;

namespace VmLab.Linux.LazyCopy;

/// <summary>The seed's method. All the state lives in native/vmlab/lazycopy.c, because the split runs inside
/// the SIGSEGV handler (the faulting write may be managed code); this class only calls in.</summary>
internal sealed class SegvBackend : ChunkBackend
{
    private static readonly Lock InitLock = new();
    private static bool _initialised;

    public SegvBackend()
    {
        lock (InitLock)
        {
            if (_initialised)
                return;
            if (vmlab_lc_init() != 0)
                throw LastError("vmlab_lc_init", "installing the SIGSEGV resolver");
            _initialised = true;
        }
    }

    public override LazyCopyStrategy Strategy => LazyCopyStrategy.Segv;

    public override Chunk Allocate(int bytes)
    {
        nint view = vmlab_lc_alloc((nuint)bytes, out nint address);
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

    /// <summary>The native counters (process-wide: every segv allocator shares one table).</summary>
    internal static Stats ReadStats()
    {
        vmlab_lc_get_stats(out Stats s);
        return s;
    }
}

using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>libvmlab's lazy-copy half (native/vmlab/lazycopy.c): the seed's copy-on-write chunks, whose fault
/// path must run in the SIGSEGV handler. A view handle is an opaque pointer owned by the native side.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class LazyCopy
    {
        /// <summary>struct vmlab_lc_stats: nine int64 counters, in this order.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Stats
        {
            public long Views, LazyCopies, Splits, Unshared, Spurious, Failed, SpareSplits, Spares, Recycled;
        }

        /// <summary>Installs the fault dispatcher and registers the resolver (idempotent). 0, or -1 with errno.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_init", SetLastError = true)]
        internal static partial int vmlab_lc_init();

        /// <summary>A fresh writable chunk (MAP_SHARED|MAP_ANONYMOUS), protected with mprotect when
        /// <paramref name="uffd"/> is -1, else with that userfaultfd; with <paramref name="spares"/> = 1 its splits
        /// (and its copies') may take pre-faulted memory from the pool. The view, or null with errno.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_alloc", SetLastError = true)]
        internal static partial nint vmlab_lc_alloc(nuint size, int uffd, int spares, out nint address);

        /// <summary>A fresh chunk holding a memcpy of <paramref name="source"/>. The view, or null with errno.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_copy_eager", SetLastError = true)]
        internal static partial nint vmlab_lc_copy_eager(nint source, out nint address);

        /// <summary>A second view of the source's frames; both become read-only. The view, or null with errno.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_copy_lazy", SetLastError = true)]
        internal static partial nint vmlab_lc_copy_lazy(nint source, out nint address);

        /// <summary>Forgets and unmaps a view; a partner left alone becomes writable. 0, or -1 with errno (munmap).</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_free", SetLastError = true)]
        internal static partial int vmlab_lc_free(nint view);

        /// <summary>1 when the view still shares its frames with another view.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_is_shared")]
        internal static partial int vmlab_lc_is_shared(nint view);

        /// <summary>Serves write-protect faults on <paramref name="uffd"/> until <paramref name="stopFd"/> is
        /// readable: 0 then, or -1 with errno. Blocks; never calls back into managed code.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_uffd_serve", SetLastError = true)]
        internal static partial int vmlab_lc_uffd_serve(int uffd, int stopFd);

        /// <summary>One more user of the spare pool for <paramref name="size"/>-byte splits, which keeps at least
        /// <paramref name="target"/> pre-faulted spares (filled by a native thread). 0, or -1 with errno.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_spares_acquire", SetLastError = true)]
        internal static partial int vmlab_lc_spares_acquire(nuint size, int target);

        /// <summary>One user fewer; the last one's going empties the pool.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_spares_release")]
        internal static partial void vmlab_lc_spares_release(nuint size);

        /// <summary>1 once every pool holds its target, 0 after <paramref name="timeoutMs"/>.</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_spares_wait_full")]
        internal static partial int vmlab_lc_spares_wait_full(int timeoutMs);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_lc_get_stats")]
        internal static partial void vmlab_lc_get_stats(out Stats stats);
    }
}

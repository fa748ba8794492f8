using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;sys/mman.h&gt;. Constants carry their C names and the x86-64 Linux values.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Mman
    {
        /// <summary>mmap's error return, (void *)-1. Never compare against 0.</summary>
        internal static readonly nint MAP_FAILED = -1;

        internal const int MREMAP_MAYMOVE = 1;
        internal const int MREMAP_FIXED = 2;
        internal const int MREMAP_DONTUNMAP = 4;

        internal const int MS_ASYNC = 1;
        internal const int MS_INVALIDATE = 2;
        internal const int MS_SYNC = 4;

        internal const uint MFD_CLOEXEC = 1;

        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [LibraryImport(Libraries.Libc, EntryPoint = "munmap", SetLastError = true)]
        internal static partial int munmap(nint addr, nuint length);

        [LibraryImport(Libraries.Libc, EntryPoint = "mprotect", SetLastError = true)]
        internal static partial int mprotect(nint addr, nuint length, int prot);

        // NOTE: mremap is variadic in C (the fifth argument is read only with MREMAP_FIXED). Passing it always is
        // safe on x86-64 SysV: integer arguments travel in the same registers either way.
        [LibraryImport(Libraries.Libc, EntryPoint = "mremap", SetLastError = true)]
        internal static partial nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress);

        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        internal static partial int madvise(nint addr, nuint length, int advice);

        [LibraryImport(Libraries.Libc, EntryPoint = "msync", SetLastError = true)]
        internal static partial int msync(nint addr, nuint length, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int memfd_create(string name, uint flags);
    }
}

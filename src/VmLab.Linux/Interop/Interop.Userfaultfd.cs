using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;linux/userfaultfd.h&gt;: opening a userfaultfd and the API handshake, plus &lt;sys/eventfd.h&gt; to stop
/// its server. The ioctls on registered ranges are issued by libvmlab (lazycopy_uffd.c). x86-64 Linux values.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Userfaultfd
    {
        internal const long SYS_userfaultfd = 323;
        internal const int UFFD_USER_MODE_ONLY = 1;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_CLOEXEC = 0x80000;

        internal const ulong UFFD_API = 0xAA;
        internal const ulong UFFDIO_API = 0xc018aa3f;          // _IOWR(0xAA, 0x3F, struct uffdio_api)

        internal const ulong UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1UL << 0;
        internal const ulong UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1UL << 12;
        internal const ulong UFFD_FEATURE_WP_UNPOPULATED = 1UL << 13;

        internal const int EFD_CLOEXEC = 0x80000;

        [StructLayout(LayoutKind.Explicit, Size = 24)]
        internal struct uffdio_api
        {
            [FieldOffset(0)] public ulong api;
            [FieldOffset(8)] public ulong features;
            [FieldOffset(16)] public ulong ioctls;
        }

        // NOTE: syscall(2) is variadic; on x86-64 SysV integer arguments travel in the same registers either way.
        // glibc has no userfaultfd() wrapper before 2.36, so the raw system call it is.
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall(long number, long arg);

        // NOTE: ioctl is variadic too; the third argument is always a pointer here.
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int ioctl(int fd, ulong request, void* arg);

        [LibraryImport(Libraries.Libc, EntryPoint = "eventfd", SetLastError = true)]
        internal static partial int eventfd(uint initval, int flags);

        // NOTE: write(2) belongs to <unistd.h>; it is here only to signal the eventfd.
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static partial nint write(int fd, void* buf, nuint count);
    }
}

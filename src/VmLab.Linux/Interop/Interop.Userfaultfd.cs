using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;linux/userfaultfd.h&gt;, plus the &lt;poll.h&gt;, &lt;sys/eventfd.h&gt; and read/write calls its handler
/// thread needs. Values and layouts are x86-64 Linux.</summary>
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
        internal const ulong UFFDIO_REGISTER = 0xc020aa00;     // _IOWR(0xAA, 0x00, struct uffdio_register)
        internal const ulong UFFDIO_UNREGISTER = 0x8010aa01;   // _IOR(0xAA, 0x01, struct uffdio_range)
        internal const ulong UFFDIO_WAKE = 0x8010aa02;         // _IOR(0xAA, 0x02, struct uffdio_range)
        internal const ulong UFFDIO_WRITEPROTECT = 0xc018aa06; // _IOWR(0xAA, 0x06, struct uffdio_writeprotect)

        internal const ulong UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1UL << 0;
        internal const ulong UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1UL << 12;
        internal const ulong UFFD_FEATURE_WP_UNPOPULATED = 1UL << 13;

        internal const ulong UFFDIO_REGISTER_MODE_WP = 2;
        internal const ulong UFFDIO_WRITEPROTECT_MODE_WP = 1;

        internal const byte UFFD_EVENT_PAGEFAULT = 0x12;
        internal const ulong UFFD_PAGEFAULT_FLAG_WRITE = 1;
        internal const ulong UFFD_PAGEFAULT_FLAG_WP = 2;

        internal const short POLLIN = 1;
        internal const int EFD_CLOEXEC = 0x80000;

        [StructLayout(LayoutKind.Explicit, Size = 24)]
        internal struct uffdio_api
        {
            [FieldOffset(0)] public ulong api;
            [FieldOffset(8)] public ulong features;
            [FieldOffset(16)] public ulong ioctls;
        }

        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct uffdio_range
        {
            [FieldOffset(0)] public ulong start;
            [FieldOffset(8)] public ulong len;
        }

        [StructLayout(LayoutKind.Explicit, Size = 32)]
        internal struct uffdio_register
        {
            [FieldOffset(0)] public uffdio_range range;
            [FieldOffset(16)] public ulong mode;
            [FieldOffset(24)] public ulong ioctls;
        }

        [StructLayout(LayoutKind.Explicit, Size = 24)]
        internal struct uffdio_writeprotect
        {
            [FieldOffset(0)] public uffdio_range range;
            [FieldOffset(16)] public ulong mode;
        }

        /// <summary>struct uffd_msg, only the page-fault arm of its union.</summary>
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        internal struct uffd_msg
        {
            [FieldOffset(0)] public byte @event;
            [FieldOffset(8)] public ulong pagefault_flags;
            [FieldOffset(16)] public ulong pagefault_address;
            [FieldOffset(24)] public uint pagefault_ptid;
        }

        // NOTE: C's name for it; CS8981 only warns that all-lowercase names might one day become keywords.
#pragma warning disable CS8981
        [StructLayout(LayoutKind.Sequential)]
        internal struct pollfd
        {
            public int fd;
            public short events;
            public short revents;
        }
#pragma warning restore CS8981

        // NOTE: syscall(2) is variadic; on x86-64 SysV integer arguments travel in the same registers either way.
        // glibc has no userfaultfd() wrapper before 2.36, so the raw system call it is.
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long syscall(long number, long arg);

        // NOTE: ioctl is variadic too; the third argument is always a pointer here.
        [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int ioctl(int fd, ulong request, void* arg);

        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        internal static partial int poll(pollfd* fds, ulong nfds, int timeout);

        [LibraryImport(Libraries.Libc, EntryPoint = "eventfd", SetLastError = true)]
        internal static partial int eventfd(uint initval, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static partial nint read(int fd, void* buf, nuint count);

        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static partial nint write(int fd, void* buf, nuint count);
    }
}

using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;unistd.h&gt; and &lt;fcntl.h&gt;: the file-descriptor calls the memory code needs.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Unistd
    {
        internal const int O_RDONLY = 0;
        internal const int O_RDWR = 2;
        internal const int O_CLOEXEC = 0x80000;

        // posix_fallocate returns the error number itself (it does not set errno).
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_fallocate")]
        internal static partial int posix_fallocate(int fd, long offset, long len);

        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int open(string path, int flags, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int close(int fd);

        [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
        internal static partial nint pread(int fd, void* buf, nuint count, long offset);

        [LibraryImport(Libraries.Libc, EntryPoint = "ftruncate", SetLastError = true)]
        internal static partial int ftruncate(int fd, long length);

        [LibraryImport(Libraries.Libc, EntryPoint = "getpid")]
        internal static partial int getpid();

        [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
        internal static partial uint geteuid();

        [LibraryImport(Libraries.Libc, EntryPoint = "sysconf", SetLastError = true)]
        internal static partial long sysconf(int name);

        internal const int X_OK = 1;

        // NOTE: access checks with the real uid, as execve's permission check would for a non-setuid caller.
        [LibraryImport(Libraries.Libc, EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int access(string path, int mode);
    }
}

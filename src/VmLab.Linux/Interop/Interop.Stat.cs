using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;sys/stat.h&gt;: only what is needed to tell a regular file from a device.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Stat
    {
        internal const uint S_IFMT = 0xF000;
        internal const uint S_IFREG = 0x8000;
        internal const uint S_IFDIR = 0x4000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFSOCK = 0xC000;

        // NOTE: struct stat on x86-64 Linux is 144 bytes: st_dev (8), st_ino (8), st_nlink (8), then st_mode
        // (4) at offset 24. Only st_mode is read, so the struct is kept as an opaque buffer.
        internal const int StructStatSize = 144;
        internal const int StModeOffset = 24;

        // realpath(path, NULL): a malloc'd buffer the caller frees.
        [LibraryImport(Libraries.Libc, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial nint realpath(string path, nint resolved);

        [LibraryImport(Libraries.Libc, EntryPoint = "free")]
        internal static partial void free(nint p);

        [LibraryImport(Libraries.Libc, EntryPoint = "fstat", SetLastError = true)]
        internal static partial int fstat(int fd, byte* buf);

        // NOTE: stat is a symbol of its own since glibc 2.33 (before, a macro over __xstat).
        [LibraryImport(Libraries.Libc, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int stat(string path, byte* buf);

        // NOTE: the same call without keeping errno. Keeping it calls the runtime's SetLastSystemError and
        // GetLastSystemError around the call, whose native stubs the JIT compiles at their first use in a process:
        // ~0.5 ms of every 'vmlab sim cpu FILE' start-up, for an errno that is only read when stat fails.
        [LibraryImport(Libraries.Libc, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int stat_no_errno(string path, byte* buf);

        /// <summary>st_mode of the file <paramref name="path"/> names (symbolic links followed), or -1 with errno.
        /// A failed stat is asked again, keeping errno this time: what it says then is the answer (the file may
        /// have come or gone in between, as it may at any time after the answer).</summary>
        internal static long PathMode(string path)
        {
            byte* buf = stackalloc byte[StructStatSize];
            if (stat_no_errno(path, buf) != 0 && stat(path, buf) != 0)
                return -1;
            return *(uint*)(buf + StModeOffset);
        }

        /// <summary>st_mode of an open file descriptor.</summary>
        internal static uint Mode(int fd)
        {
            byte* buf = stackalloc byte[StructStatSize];
            if (fstat(fd, buf) != 0)
                throw LinuxException.FromLastError("fstat");
            return *(uint*)(buf + StModeOffset);
        }
    }
}

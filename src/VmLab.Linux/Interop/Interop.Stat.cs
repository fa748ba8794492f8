using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;sys/stat.h&gt;: only what is needed to tell a regular file from a device.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Stat
    {
        internal const uint S_IFMT = 0xF000;
        internal const uint S_IFREG = 0x8000;

        // NOTE: struct stat on x86-64 Linux is 144 bytes: st_dev (8), st_ino (8), st_nlink (8), then st_mode
        // (4) at offset 24. Only st_mode is read, so the struct is kept as an opaque buffer.
        internal const int StructStatSize = 144;
        internal const int StModeOffset = 24;

        [LibraryImport(Libraries.Libc, EntryPoint = "fstat", SetLastError = true)]
        internal static partial int fstat(int fd, byte* buf);

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

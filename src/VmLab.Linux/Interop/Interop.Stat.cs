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

        [LibraryImport(Libraries.Libc, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int stat(string path, byte* buf);

        /// <summary>st_mode of the file a path names (links followed), without opening it; null when it does not exist.</summary>
        internal static uint? ModeOf(string path)
        {
            byte* buf = stackalloc byte[StructStatSize];
            if (stat(path, buf) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is 2 or 20) return null;      // ENOENT, ENOTDIR
                throw LinuxException.FromLastError("stat");
            }
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

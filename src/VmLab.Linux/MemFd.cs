using Microsoft.Win32.SafeHandles;
using static VmLab.Linux.Interop.Mman;

namespace VmLab.Linux;

/// <summary>memfd_create: an anonymous file in RAM, for mappings that need a file behind them (kernel copy-on-write).</summary>
public static class MemFd
{
    /// <summary>Creates a memfd of <paramref name="length"/> bytes (close-on-exec).</summary>
    public static SafeFileHandle Create(string name, long length)
    {
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
            throw LinuxException.FromLastError("memfd_create");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Interop.Unistd.ftruncate(fd, length) != 0)
        {
            var ex = LinuxException.FromLastError("ftruncate");
            handle.Dispose();
            throw ex;
        }
        return handle;
    }
}

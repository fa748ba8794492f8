using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Userfaultfd;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// A userfaultfd set up for write-protecting shared memory: write faults on registered ranges stop the
/// faulting thread in the kernel and arrive here as messages. Without root the kernel allows it only when
/// vm.unprivileged_userfaultfd is 1, or for user-mode faults only (UFFD_USER_MODE_ONLY), which is tried next.
/// </summary>
internal sealed unsafe class Userfaultfd : IDisposable
{
    private const ulong Features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_WP_UNPOPULATED;
    private static readonly Lazy<string?> Unavailable = new(Probe);
    private int _fd;

    private Userfaultfd(int fd) => _fd = fd;

    public int Fd => _fd;

    /// <summary>True when this process can write-protect shared memory with userfaultfd; else the reason.</summary>
    public static bool IsAvailable(out string reason)
    {
        reason = Unavailable.Value ?? "";
        return Unavailable.Value is null;
    }

    /// <summary>A new non-blocking userfaultfd with write-protect features enabled.</summary>
    public static Userfaultfd Open()
    {
        long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && Marshal.GetLastPInvokeError() == Errno.EPERM)
            fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
        if (fd < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            throw new LinuxException("userfaultfd", e, e switch
            {
                Errno.EPERM => "(not permitted: needs root or CAP_SYS_PTRACE, or sysctl vm.unprivileged_userfaultfd=1)",
                Errno.ENOSYS => "(this kernel was built without userfaultfd)",
                _ => null,
            });
        }
        var u = new Userfaultfd((int)fd);
        var api = new uffdio_api { api = UFFD_API, features = Features };
        if (ioctl(u._fd, UFFDIO_API, &api) != 0)
        {
            var ex = LinuxException.FromLastError("ioctl(UFFDIO_API)", "(this kernel cannot write-protect unpopulated shared memory: needs 6.4 or later)");
            u.Dispose();
            throw ex;
        }
        return u;
    }

    /// <summary>Registers [start, start+len) for write-protect faults.</summary>
    public void RegisterWriteProtect(nint start, int len)
    {
        var r = new uffdio_register { range = Range(start, len), mode = UFFDIO_REGISTER_MODE_WP };
        if (ioctl(_fd, UFFDIO_REGISTER, &r) != 0)
            throw ChunkBackend.LastError("ioctl(UFFDIO_REGISTER)", "registering a chunk for write-protect");
    }

    /// <summary>Sets or clears write protection on the range; clearing also wakes threads stopped on it.</summary>
    public void WriteProtect(nint start, int len, bool protect)
    {
        var wp = new uffdio_writeprotect { range = Range(start, len), mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };
        if (ioctl(_fd, UFFDIO_WRITEPROTECT, &wp) != 0)
            throw ChunkBackend.LastError("ioctl(UFFDIO_WRITEPROTECT)", protect ? "write-protecting a chunk" : "lifting write protection");
    }

    /// <summary>Wakes the threads stopped on a fault in the range; they retry their access.</summary>
    public void Wake(nint start, int len)
    {
        var r = Range(start, len);
        if (ioctl(_fd, UFFDIO_WAKE, &r) != 0)
            throw LinuxException.FromLastError("ioctl(UFFDIO_WAKE)");
    }

    /// <summary>The next fault message, or false when none is pending (the fd is non-blocking).</summary>
    public bool TryRead(out uffd_msg msg)
    {
        uffd_msg m;
        nint n = read(_fd, &m, (nuint)sizeof(uffd_msg));
        msg = m;
        if (n == sizeof(uffd_msg))
            return true;
        int e = Marshal.GetLastPInvokeError();
        if (n < 0 && (e == Errno.EAGAIN || e == Errno.EINTR))
            return false;
        throw n < 0 ? new LinuxException("read", e, "(userfaultfd)") : new IOException($"userfaultfd: short read ({n} bytes)");
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Interop.Unistd.close(fd);
    }

    private static uffdio_range Range(nint start, int len) => new() { start = (ulong)start, len = (ulong)len };

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "needs Linux";
        try
        {
            using var u = Open();
            return null;
        }
        catch (LinuxException e)
        {
            return "userfaultfd is unavailable here: " + e.Message;
        }
    }
}

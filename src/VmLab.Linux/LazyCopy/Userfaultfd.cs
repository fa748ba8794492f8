using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Userfaultfd;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// A userfaultfd set up for write-protecting shared memory: write faults on registered ranges stop the
/// faulting thread in the kernel and arrive as messages on the fd (served by libvmlab, see UffdBackend).
/// Without root the kernel allows it only when vm.unprivileged_userfaultfd is 1, or for user-mode faults only
/// (UFFD_USER_MODE_ONLY), which is tried next.
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

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Interop.Unistd.close(fd);
    }

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

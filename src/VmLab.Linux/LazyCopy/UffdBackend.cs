using static VmLab.Linux.Interop.LazyCopy;
using static VmLab.Linux.Interop.Userfaultfd;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// The seed's views (shared anonymous chunks, lazy copy = mremap(old, 0) second view) protected by userfaultfd
/// write-protect instead of mprotect. A write to a protected view stops the writing thread in the kernel; a
/// server thread splits the view (fresh memory, contents copied, moved over the view with mremap(MREMAP_FIXED)
/// so the address is never a hole) and wakes it. No signal handler is involved.
/// The server thread is started here but serves inside libvmlab (vmlab_lc_uffd_serve) and never returns to
/// managed code while it serves: a managed server would deadlock with the garbage collector, which cannot
/// suspend a managed writer stopped on a fault (native/vmlab/lazycopy_uffd.c explains).
/// </summary>
internal sealed unsafe class UffdBackend : NativeViewBackend
{
    private readonly Userfaultfd _uffd;
    private readonly int _stopFd;
    private readonly Thread _server;

    public UffdBackend(int chunkBytes, int spares) : this(Userfaultfd.Open(), chunkBytes, spares)
    {
    }

    private UffdBackend(Userfaultfd uffd, int chunkBytes, int spares) : base(uffd.Fd, chunkBytes, spares)
    {
        _uffd = uffd;
        _stopFd = eventfd(0, EFD_CLOEXEC);
        if (_stopFd < 0)
        {
            var e = LinuxException.FromLastError("eventfd");
            _uffd.Dispose();
            throw e;
        }
        _server = new Thread(Serve) { IsBackground = true, Name = "vmlab uffd server" };
        _server.Start();
    }

    /// <summary>Stops the server and closes the userfaultfd (the allocator frees every chunk first).</summary>
    public override void Dispose()
    {
        ulong one = 1;
        write(_stopFd, &one, 8);
        _server.Join();
        Interop.Unistd.close(_stopFd);
        _uffd.Dispose();
        base.Dispose();
    }

    private void Serve()
    {
        if (vmlab_lc_uffd_serve(_uffd.Fd, _stopFd) != 0)
            Environment.FailFast("vmlab lazy copy (uffd): the fault server failed: " + LinuxException.FromLastError("poll/read").Message);
    }
}

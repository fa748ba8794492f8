using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static VmLab.Linux.Interop.Unistd;

namespace VmLab.Linux;

/// <summary>
/// /proc/PID/pagemap, opened once: virtual page → <see cref="PageMapEntry"/>. Reads are batched: one pread per
/// run of consecutive pages, straight into the caller's span (the file is an array of 8-byte entries indexed by
/// virtual page number; reads must be 8-byte aligned whole entries).
/// </summary>
public sealed unsafe class PageMap : IDisposable
{
    private readonly SafeFileHandle _fd;

    private PageMap(SafeFileHandle fd, string path, int? pid)
    {
        _fd = fd;
        Path = path;
        Pid = pid;
    }

    // ---- creation ----

    /// <summary>This process's page map (/proc/self/pagemap).</summary>
    public static PageMap OpenSelf() => Open("/proc/self/pagemap", null);

    /// <summary>The calling thread's page map (/proc/thread-self/pagemap): threads share one, so it equals the process's.</summary>
    public static PageMap OpenThreadSelf() => Open("/proc/thread-self/pagemap", null);

    /// <summary>Process <paramref name="pid"/>'s page map; needs ptrace-read access to it (same user or root).</summary>
    public static PageMap Open(int pid) => Open($"/proc/{pid}/pagemap", pid);

    private static PageMap Open(string path, int? pid)
    {
        Platform.RequireLinux("pagemap");
        int fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0)
            throw LinuxException.FromLastError("open", path);
        return new PageMap(new SafeFileHandle(fd, ownsHandle: true), path, pid);
    }

    // ---- queries ----

    /// <summary>The file read, e.g. "/proc/self/pagemap".</summary>
    public string Path { get; }

    /// <summary>The process whose pages these are; null for this process.</summary>
    public int? Pid { get; }

    /// <summary>The entry of the page holding <paramref name="address"/> (one pread).</summary>
    public PageMapEntry Read(ulong address)
    {
        PageMapEntry e = default;
        Read(address, new Span<PageMapEntry>(ref e));
        return e;
    }

    /// <summary>The entry of the page holding <paramref name="address"/> (one pread).</summary>
    public PageMapEntry Read(nint address) => Read((ulong)address);

    /// <summary>The entries of <paramref name="pages"/> consecutive pages from the one holding <paramref name="address"/>.</summary>
    public PageMapEntry[] Read(ulong address, int pages)
    {
        var entries = new PageMapEntry[pages];
        Read(address, entries);
        return entries;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the entries of consecutive pages starting at the page holding
    /// <paramref name="address"/>: one pread for the whole run (more only if the kernel returns a short read).
    /// Pages past the end of the address space read as not present.
    /// </summary>
    public void Read(ulong address, Span<PageMapEntry> destination)
    {
        if (destination.IsEmpty)
            return;
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        long offset = checked((long)(address / (ulong)PageSize.Value * sizeof(ulong)));
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            int fd = (int)_fd.DangerousGetHandle();
            int done = 0;
            fixed (byte* p = bytes)
            {
                while (done < bytes.Length)
                {
                    nint n = pread(fd, p + done, (nuint)(bytes.Length - done), offset + done);
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Errno.EINTR)
                            continue;
                        throw new LinuxException("pread", errno, $"{Path} at 0x{address:x}");
                    }
                    if (n == 0)
                        break;   // past the top of the address space: nothing is mapped there
                    done += (int)n;
                }
            }
            bytes[done..].Clear();
        }
        finally
        {
            if (added)
                _fd.DangerousRelease();
        }
    }

    /// <summary>Closes the file; later reads throw.</summary>
    public void Dispose() => _fd.Dispose();

    /// <summary>"PageMap(/proc/PID/pagemap)".</summary>
    public override string ToString() => $"PageMap({Path})";
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static VmLab.Linux.Interop.Unistd;

namespace VmLab.Linux;

/// <summary>
/// /proc/kpagecount: for each physical frame, how many times it is mapped (a copy-on-write frame shared by a
/// parent and its child reads 2). Root only; <see cref="TryOpen"/> returns null when it cannot be read.
/// </summary>
public sealed class KPageCount : IDisposable
{
    private readonly KernelFrameTable _table;

    private KPageCount(KernelFrameTable table) => _table = table;

    /// <summary>Opens /proc/kpagecount, or returns null (with the reason) when this process may not read it.</summary>
    public static KPageCount? TryOpen(out string? whyNot) =>
        KernelFrameTable.TryOpen("/proc/kpagecount", out whyNot) is { } t ? new KPageCount(t) : null;

    /// <summary>How many mappings share frame <paramref name="pfn"/>.</summary>
    public long Count(ulong pfn) => (long)_table.Read(pfn);

    public void Dispose() => _table.Dispose();
}

/// <summary>Page flags from /proc/kpageflags (include/uapi/linux/kernel-page-flags.h), by their KPF_ names.</summary>
[Flags]
public enum KPageFlag : ulong
{
    None = 0,
    KPF_LOCKED = 1UL << 0, KPF_ERROR = 1UL << 1, KPF_REFERENCED = 1UL << 2, KPF_UPTODATE = 1UL << 3,
    KPF_DIRTY = 1UL << 4, KPF_LRU = 1UL << 5, KPF_ACTIVE = 1UL << 6, KPF_SLAB = 1UL << 7,
    KPF_WRITEBACK = 1UL << 8, KPF_RECLAIM = 1UL << 9, KPF_BUDDY = 1UL << 10, KPF_MMAP = 1UL << 11,
    KPF_ANON = 1UL << 12, KPF_SWAPCACHE = 1UL << 13, KPF_SWAPBACKED = 1UL << 14, KPF_COMPOUND_HEAD = 1UL << 15,
    KPF_COMPOUND_TAIL = 1UL << 16, KPF_HUGE = 1UL << 17, KPF_UNEVICTABLE = 1UL << 18, KPF_HWPOISON = 1UL << 19,
    KPF_NOPAGE = 1UL << 20, KPF_KSM = 1UL << 21, KPF_THP = 1UL << 22, KPF_OFFLINE = 1UL << 23,
    KPF_ZERO_PAGE = 1UL << 24, KPF_IDLE = 1UL << 25, KPF_PGTABLE = 1UL << 26,
}

/// <summary>/proc/kpageflags: what the kernel knows about each physical frame (anon, LRU, dirty…). Root only.</summary>
public sealed class KPageFlags : IDisposable
{
    private readonly KernelFrameTable _table;

    private KPageFlags(KernelFrameTable table) => _table = table;

    /// <summary>Opens /proc/kpageflags, or returns null (with the reason) when this process may not read it.</summary>
    public static KPageFlags? TryOpen(out string? whyNot) =>
        KernelFrameTable.TryOpen("/proc/kpageflags", out whyNot) is { } t ? new KPageFlags(t) : null;

    /// <summary>The flags of frame <paramref name="pfn"/>.</summary>
    public KPageFlag Flags(ulong pfn) => (KPageFlag)_table.Read(pfn);

    /// <summary>Short lower-case names of the set flags ("anon lru mmap"), "-" for none.</summary>
    public static string Describe(KPageFlag flags)
    {
        if (flags == KPageFlag.None)
            return "-";
        var names = Enum.GetValues<KPageFlag>()
            .Where(f => f != KPageFlag.None && flags.HasFlag(f))
            .Select(f => f.ToString()["KPF_".Length..].ToLowerInvariant().Replace('_', '-'));
        return string.Join(' ', names);
    }

    public void Dispose() => _table.Dispose();
}

/// <summary>A /proc file that is an array of one 64-bit word per physical frame.</summary>
internal sealed unsafe class KernelFrameTable(SafeFileHandle fd, string path) : IDisposable
{
    public static KernelFrameTable? TryOpen(string path, out string? whyNot)
    {
        whyNot = null;
        if (!Platform.IsLinux)
        {
            whyNot = "needs Linux";
            return null;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            whyNot = $"{path}: {Errno.Text(errno)} ({Errno.Name(errno)}){(errno is Errno.EACCES or Errno.EPERM ? "; it needs root" : "")}";
            return null;
        }
        return new KernelFrameTable(new SafeFileHandle(fd, ownsHandle: true), path);
    }

    public ulong Read(ulong pfn)
    {
        ulong word = 0;
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            nint n = pread((int)fd.DangerousGetHandle(), &word, sizeof(ulong), checked((long)(pfn * sizeof(ulong))));
            if (n < 0)
                throw LinuxException.FromLastError("pread", $"{path} frame 0x{pfn:x}");
            if (n != sizeof(ulong))
                throw new InvalidOperationException($"{path}: frame 0x{pfn:x} is beyond the end of physical memory");
            return word;
        }
        finally
        {
            if (added)
                fd.DangerousRelease();
        }
    }

    public void Dispose() => fd.Dispose();
}

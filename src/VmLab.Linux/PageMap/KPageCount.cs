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

    /// <summary>Closes /proc/kpagecount; later calls to <see cref="Count"/> throw.</summary>
    public void Dispose() => _table.Dispose();
}

/// <summary>Page flags from /proc/kpageflags (include/uapi/linux/kernel-page-flags.h), by their KPF_ names.</summary>
[Flags]
public enum KPageFlag : ulong
{
    /// <summary>No flag set.</summary>
    None = 0,
    /// <summary>Locked for I/O or by the kernel at this moment.</summary>
    KPF_LOCKED = 1UL << 0,
    /// <summary>An I/O error occurred on the page.</summary>
    KPF_ERROR = 1UL << 1,
    /// <summary>Referenced recently (the page-reclaim "accessed" state, fed by the PTE's A bit).</summary>
    KPF_REFERENCED = 1UL << 2,
    /// <summary>The contents are valid (read from backing store, or written).</summary>
    KPF_UPTODATE = 1UL << 3,
    /// <summary>Modified since it was last written back (fed by the PTE's D bit).</summary>
    KPF_DIRTY = 1UL << 4,
    /// <summary>On one of the kernel's LRU lists: a candidate for reclaim.</summary>
    KPF_LRU = 1UL << 5,
    /// <summary>On the active LRU list (recently used; reclaimed last).</summary>
    KPF_ACTIVE = 1UL << 6,
    /// <summary>Kernel memory of the slab allocator, not a user page.</summary>
    KPF_SLAB = 1UL << 7,
    /// <summary>Being written back to its file or swap.</summary>
    KPF_WRITEBACK = 1UL << 8,
    /// <summary>Chosen for reclaim as soon as writeback ends.</summary>
    KPF_RECLAIM = 1UL << 9,
    /// <summary>Free: owned by the buddy allocator.</summary>
    KPF_BUDDY = 1UL << 10,
    /// <summary>Mapped into at least one process's page table.</summary>
    KPF_MMAP = 1UL << 11,
    /// <summary>Anonymous memory (heap, stack, MAP_ANONYMOUS), not a file page.</summary>
    KPF_ANON = 1UL << 12,
    /// <summary>In the swap cache: has a copy in swap.</summary>
    KPF_SWAPCACHE = 1UL << 13,
    /// <summary>Backed by swap (anonymous or shmem) rather than by a file.</summary>
    KPF_SWAPBACKED = 1UL << 14,
    /// <summary>First frame of a compound (huge) page.</summary>
    KPF_COMPOUND_HEAD = 1UL << 15,
    /// <summary>A later frame of a compound (huge) page.</summary>
    KPF_COMPOUND_TAIL = 1UL << 16,
    /// <summary>Part of a hugetlbfs huge page.</summary>
    KPF_HUGE = 1UL << 17,
    /// <summary>Cannot be reclaimed (mlocked, or ramfs).</summary>
    KPF_UNEVICTABLE = 1UL << 18,
    /// <summary>Hardware reported a memory error: the frame is never used again.</summary>
    KPF_HWPOISON = 1UL << 19,
    /// <summary>No frame exists at this PFN (a hole in physical memory).</summary>
    KPF_NOPAGE = 1UL << 20,
    /// <summary>Merged by KSM: identical pages of several processes share this frame copy-on-write.</summary>
    KPF_KSM = 1UL << 21,
    /// <summary>Part of a transparent huge page (2 MiB on x86-64).</summary>
    KPF_THP = 1UL << 22,
    /// <summary>Logically offline (memory ballooning or hot-unplug).</summary>
    KPF_OFFLINE = 1UL << 23,
    /// <summary>The shared zero page: what a read of untouched anonymous memory maps.</summary>
    KPF_ZERO_PAGE = 1UL << 24,
    /// <summary>Not accessed since it was marked idle through /sys/kernel/mm/page_idle.</summary>
    KPF_IDLE = 1UL << 25,
    /// <summary>Holds a page table (a PML4, PDPT, PD or PT level), not data.</summary>
    KPF_PGTABLE = 1UL << 26,
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

    /// <summary>Closes /proc/kpageflags; later calls to <see cref="Flags"/> throw.</summary>
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

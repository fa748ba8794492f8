namespace VmLab.Linux;

/// <summary>mmap/mprotect protections, by their C names.</summary>
[Flags]
public enum Prot
{
    PROT_NONE = 0,
    PROT_READ = 1,
    PROT_WRITE = 2,
    PROT_EXEC = 4,
    ReadWrite = PROT_READ | PROT_WRITE,
}

/// <summary>mmap flags, by their C names (x86-64 values).</summary>
[Flags]
public enum MapFlags
{
    MAP_SHARED = 0x01,
    MAP_PRIVATE = 0x02,
    MAP_FIXED = 0x10,
    MAP_ANONYMOUS = 0x20,
    MAP_NORESERVE = 0x4000,
    MAP_POPULATE = 0x8000,
    MAP_FIXED_NOREPLACE = 0x100000,
}

/// <summary>madvise advice values, by their C names.</summary>
public enum Advice
{
    MADV_NORMAL = 0,
    MADV_RANDOM = 1,
    MADV_SEQUENTIAL = 2,
    MADV_WILLNEED = 3,
    MADV_DONTNEED = 4,
    MADV_FREE = 8,
    MADV_REMOVE = 9,
    MADV_HUGEPAGE = 14,
    MADV_NOHUGEPAGE = 15,
    MADV_POPULATE_READ = 22,
    MADV_POPULATE_WRITE = 23,
}

/// <summary>The machine's page size and the arithmetic every mapping needs.</summary>
public static class PageSize
{
    /// <summary>Bytes in one base page (4096 on x86-64).</summary>
    public static readonly int Value = Environment.SystemPageSize;

    public static bool IsAligned(ulong value) => (value & (ulong)(Value - 1)) == 0;

    public static ulong AlignDown(ulong value) => value & ~(ulong)(Value - 1);

    public static ulong AlignUp(ulong value) => (value + (ulong)(Value - 1)) & ~(ulong)(Value - 1);

    /// <summary>How many pages a length covers, rounding up.</summary>
    public static long PagesFor(ulong length) => (long)(AlignUp(length) / (ulong)Value);
}

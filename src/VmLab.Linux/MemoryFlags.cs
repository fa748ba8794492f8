namespace VmLab.Linux;

/// <summary>mmap/mprotect protections, by their C names.</summary>
[Flags]
public enum Prot
{
    /// <summary>No access: any load, store or instruction fetch faults (SIGSEGV); a guard page.</summary>
    PROT_NONE = 0,
    /// <summary>Pages may be read.</summary>
    PROT_READ = 1,
    /// <summary>Pages may be written. x86-64 has no write-only pages: a writable page is also readable.</summary>
    PROT_WRITE = 2,
    /// <summary>Instructions may be fetched from the pages (on x86-64 this clears the PTE's NX bit, bit 63).</summary>
    PROT_EXEC = 4,
    /// <summary>PROT_READ | PROT_WRITE, the usual protection for data.</summary>
    ReadWrite = PROT_READ | PROT_WRITE,
}

/// <summary>mmap flags, by their C names (x86-64 values).</summary>
[Flags]
public enum MapFlags
{
    /// <summary>
    /// Writes go to the shared frames (or file) and are seen by every process mapping them; never copied on write.
    /// </summary>
    MAP_SHARED = 0x01,
    /// <summary>
    /// Writes are private: a write to a shared frame makes a copy first (copy-on-write), as after fork.
    /// </summary>
    MAP_PRIVATE = 0x02,
    /// <summary>Place the mapping exactly at the given address, silently replacing whatever was mapped there.</summary>
    MAP_FIXED = 0x10,
    /// <summary>
    /// Not backed by a file: pages are zero-filled on first touch and the fd argument is ignored (pass -1).
    /// </summary>
    MAP_ANONYMOUS = 0x20,
    /// <summary>
    /// Reserve no swap space for the mapping: a later touch may fail for lack of memory instead of this mmap.
    /// </summary>
    MAP_NORESERVE = 0x4000,
    /// <summary>Fault every page in during mmap (prefault), so later accesses take no page fault.</summary>
    MAP_POPULATE = 0x8000,
    /// <summary>Like MAP_FIXED but fails with EEXIST instead of replacing an existing mapping (Linux 4.17+).</summary>
    MAP_FIXED_NOREPLACE = 0x100000,
}

/// <summary>madvise advice values, by their C names.</summary>
public enum Advice
{
    /// <summary>No special treatment: the kernel's default readahead.</summary>
    MADV_NORMAL = 0,
    /// <summary>Expect random access: read ahead less.</summary>
    MADV_RANDOM = 1,
    /// <summary>Expect sequential access: read ahead more, drop pages behind.</summary>
    MADV_SEQUENTIAL = 2,
    /// <summary>The range will be needed soon: start reading it in.</summary>
    MADV_WILLNEED = 3,
    /// <summary>
    /// Drop the pages now: private anonymous memory reads as zeros on the next touch, file pages are read back in.
    /// </summary>
    MADV_DONTNEED = 4,
    /// <summary>
    /// The pages' contents may be discarded lazily under memory pressure (private anonymous memory only).
    /// </summary>
    MADV_FREE = 8,
    /// <summary>Free the range and its backing store (shared memory and tmpfs files; punches a hole).</summary>
    MADV_REMOVE = 9,
    /// <summary>Ask for transparent huge pages (2 MiB on x86-64) in the range.</summary>
    MADV_HUGEPAGE = 14,
    /// <summary>Never back the range with transparent huge pages.</summary>
    MADV_NOHUGEPAGE = 15,
    /// <summary>
    /// Fault the pages in as if read, without writing them (Linux 5.14+): may map the shared zero page.
    /// </summary>
    MADV_POPULATE_READ = 22,
    /// <summary>
    /// Fault the pages in as if written (Linux 5.14+): every page gets its own frame, breaking copy-on-write.
    /// </summary>
    MADV_POPULATE_WRITE = 23,
}

/// <summary>The machine's page size and the arithmetic every mapping needs.</summary>
public static class PageSize
{
    /// <summary>Bytes in one base page (4096 on x86-64).</summary>
    public static readonly int Value = Environment.SystemPageSize;

    /// <summary>
    /// Whether <paramref name="value"/> (an address or length in bytes) is a multiple of the page size.
    /// </summary>
    public static bool IsAligned(ulong value) => (value & (ulong)(Value - 1)) == 0;

    /// <summary>
    /// <paramref name="value"/> rounded down to a page boundary: the start of the page that holds this address.
    /// </summary>
    public static ulong AlignDown(ulong value) => value & ~(ulong)(Value - 1);

    /// <summary>
    /// <paramref name="value"/> rounded up to a page boundary (unchecked: values within a page of 2^64 wrap to 0).
    /// </summary>
    public static ulong AlignUp(ulong value) => (value + (ulong)(Value - 1)) & ~(ulong)(Value - 1);

    /// <summary>How many pages a length covers, rounding up.</summary>
    public static long PagesFor(ulong length) => (long)(AlignUp(length) / (ulong)Value);
}

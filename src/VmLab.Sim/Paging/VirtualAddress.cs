namespace VmLab.Sim.Paging;

/// <summary>
/// How 4-level paging splits a 48-bit linear address (Intel SDM vol. 3A, figure 4-8):
/// <code>
///  63        48 47      39 38      30 29      21 20      12 11              0
/// [ sign ext.  |  PML4    |  PDPT    |   PD     |   PT     |  page offset    ]
///   = bit 47     level 3    level 2    level 1    level 0     4 KiB page
///                           (1 GiB page: offset = bits 29:0)
///                                      (2 MiB page: offset = bits 20:0)
/// </code>
/// Levels are numbered as WeensyOS numbers them: 3 is the PML4 (the root CR3 points to), 0 the page table.
/// An entry at level L maps 2^(12 + 9L) bytes: 4 KiB, 2 MiB, 1 GiB, 512 GiB.
/// </summary>
public static class VirtualAddress
{
    /// <summary>log2 of the 4 KiB page size: bits 11:0 of an address are the page offset.</summary>
    public const int PageShift = 12;
    /// <summary>4096 bytes: the size of a level-0 page and of every page-table page.</summary>
    public const ulong PageSize = 1UL << PageShift;
    /// <summary>Bits 11:0: an address AND this is its offset within its 4 KiB page.</summary>
    public const ulong PageOffsetMask = PageSize - 1;
    /// <summary>512 entries of 8 bytes in every table page: 9 index bits per level.</summary>
    public const int EntriesPerTable = 512;
    /// <summary>4 levels: PML4 (3), PDPT (2), PD (1), PT (0).</summary>
    public const int Levels = 4;
    /// <summary>2^47, the first non-canonical address: the low half is [0, LowEnd).</summary>
    public const ulong LowEnd = 1UL << 47;                      // first non-canonical address
    /// <summary>0xFFFF800000000000, the first canonical high-half address (bits 63:47 all ones).</summary>
    public const ulong HighStart = 0xFFFF_8000_0000_0000UL;     // first canonical high-half address

    /// <summary>The 9-bit index of <paramref name="va"/> into the table at <paramref name="level"/> (3 = PML4).</summary>
    public static int Index(ulong va, int level) => (int)(va >> (PageShift + 9 * level)) & 511;

    /// <summary>Bytes mapped by one entry at <paramref name="level"/>: 4 KiB, 2 MiB, 1 GiB or 512 GiB.</summary>
    public static ulong EntrySpan(int level) => 1UL << (PageShift + 9 * level);

    /// <summary>Mask of the offset bits inside one entry's span at <paramref name="level"/>.</summary>
    public static ulong OffsetMask(int level) => EntrySpan(level) - 1;

    /// <summary>True if bits 63:47 are all equal (SDM 3.3.7.1): the only addresses a 4-level MMU translates.</summary>
    public static bool IsCanonical(ulong va) => (ulong)((long)(va << 16) >> 16) == va;

    /// <summary>The canonical form of a 48-bit address: bit 47 copied into bits 63:48.</summary>
    public static ulong Canonicalize(ulong va) => (ulong)((long)(va << 16) >> 16);

    /// <summary>Virtual page number (va / 4096), the part the MMU translates.</summary>
    public static ulong PageNumber(ulong va) => va >> PageShift;

    /// <summary>Offset within the 4 KiB page, the part the MMU passes through unchanged.</summary>
    public static ulong PageOffset(ulong va) => va & PageOffsetMask;

    /// <summary>Rounds down to a page boundary.</summary>
    public static ulong PageDown(ulong va) => va & ~PageOffsetMask;
}

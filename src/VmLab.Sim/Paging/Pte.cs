using System.Text;

namespace VmLab.Sim.Paging;

/// <summary>
/// x86-64 paging-structure entry bits (Intel SDM vol. 3A, 4.5, tables 4-15 to 4-20), under the names the SDM
/// and WeensyOS x86-64.h use. The same layout serves all four levels; PS turns a PDPTE or PDE into a leaf.
/// <code>
///  63  62..52   51 ........................... 12  11..9   8   7   6   5   4    3    2   1   0
/// [NX][ignored][ physical address of frame/table ][avail][ G][PS][ D][ A][PCD][PWT][ U][ W][ P]
/// </code>
/// </summary>
public static class Pte
{
    /// <summary>
    /// P, bit 0: present. When clear the MMU ignores every other bit and any access faults (error code P = 0).
    /// </summary>
    public const ulong PTE_P = 1UL << 0;      // present
    /// <summary>
    /// W (R/W), bit 1: writable. Needed at every level for a write; supervisor writes ignore it when CR0.WP = 0.
    /// </summary>
    public const ulong PTE_W = 1UL << 1;      // writable (R/W)
    /// <summary>U (U/S), bit 2: user-accessible. Needed at every level for a CPL 3 access.</summary>
    public const ulong PTE_U = 1UL << 2;      // user-accessible (U/S)
    /// <summary>PWT, bit 3: page-level write-through (caching only; no effect on translation).</summary>
    public const ulong PTE_PWT = 1UL << 3;    // page-level write-through
    /// <summary>PCD, bit 4: page-level cache disable (caching only; no effect on translation).</summary>
    public const ulong PTE_PCD = 1UL << 4;    // page-level cache disable
    /// <summary>A, bit 5: accessed. The MMU sets it in every entry it uses in a walk; software clears it.</summary>
    public const ulong PTE_A = 1UL << 5;      // accessed: set by the MMU on every use
    /// <summary>D, bit 6: dirty. The MMU sets it in the leaf entry on the first write through it.</summary>
    public const ulong PTE_D = 1UL << 6;      // dirty: set by the MMU on a write (leaf entries only)
    /// <summary>PS, bit 7: page size. Makes a PDPTE a 1 GiB leaf or a PDE a 2 MiB leaf; reserved in a PML4E.</summary>
    public const ulong PTE_PS = 1UL << 7;     // page size: leaf at PDPT (1 GiB) or PD (2 MiB); reserved in PML4
    /// <summary>G, bit 8: global. A leaf's TLB entry survives a CR3 load when CR4.PGE = 1; only INVLPG drops it.</summary>
    public const ulong PTE_G = 1UL << 8;      // global: survives a CR3 reload when CR4.PGE = 1 (leaf only)
    /// <summary>
    /// NX (XD), bit 63: execute-disable. An instruction fetch through any entry with it faults (error code I/D) when
    /// EFER.NXE = 1.
    /// </summary>
    public const ulong PTE_NX = 1UL << 63;    // execute-disable (XD), honoured when EFER.NXE = 1
    /// <summary>
    /// The physical address field, bits 51:12: the next table's or the frame's address (<see cref="Address"/>).
    /// </summary>
    public const ulong PTE_PAMASK = 0x000F_FFFF_FFFF_F000UL;   // address field, bits 51:12
    /// <summary>Every flag bit: bits 11:0 and NX (<see cref="Flags"/>).</summary>
    public const ulong PTE_FLAGS = 0xFFFUL | PTE_NX;            // everything that is not address or ignored

    /// <summary>The address field of <paramref name="entry"/> (bits 51:12).</summary>
    public static ulong Address(ulong entry) => entry & PTE_PAMASK;

    /// <summary>The permission and status bits of <paramref name="entry"/> (bits 11:0 and NX).</summary>
    public static ulong Flags(ulong entry) => entry & PTE_FLAGS;

    /// <summary>Whether <see cref="PTE_P"/> is set.</summary>
    public static bool IsPresent(ulong entry) => (entry & PTE_P) != 0;
    /// <summary>Whether <see cref="PTE_W"/> is set (this entry only; the walk ANDs it over all levels).</summary>
    public static bool IsWritable(ulong entry) => (entry & PTE_W) != 0;
    /// <summary>Whether <see cref="PTE_U"/> is set (this entry only; the walk ANDs it over all levels).</summary>
    public static bool IsUser(ulong entry) => (entry & PTE_U) != 0;
    /// <summary>Whether <see cref="PTE_A"/> is set.</summary>
    public static bool IsAccessed(ulong entry) => (entry & PTE_A) != 0;
    /// <summary>Whether <see cref="PTE_D"/> is set.</summary>
    public static bool IsDirty(ulong entry) => (entry & PTE_D) != 0;
    /// <summary>Whether <see cref="PTE_PS"/> is set: at level 2 or 1 the entry is a 1 GiB or 2 MiB leaf.</summary>
    public static bool IsLarge(ulong entry) => (entry & PTE_PS) != 0;
    /// <summary>Whether <see cref="PTE_G"/> is set.</summary>
    public static bool IsGlobal(ulong entry) => (entry & PTE_G) != 0;
    /// <summary>Whether <see cref="PTE_NX"/> is set (this entry only; the walk ORs it over all levels).</summary>
    public static bool IsNoExecute(ulong entry) => (entry & PTE_NX) != 0;

    /// <summary>Builds an entry from an aligned address and flags.</summary>
    public static ulong Make(ulong pa, ulong flags)
    {
        if ((pa & ~PTE_PAMASK) != 0) throw new ArgumentException($"pte: address 0x{pa:x} is not a 4 KiB-aligned 52-bit address", nameof(pa));
        if ((flags & ~PTE_FLAGS) != 0) throw new ArgumentException($"pte: flags 0x{flags:x} overlap the address field", nameof(flags));
        return pa | flags;
    }

    /// <summary>"P W U A D NX" style list of the set flags, or "-" for none.</summary>
    public static string FormatFlags(ulong entry)
    {
        var sb = new StringBuilder();
        void Add(ulong bit, string name) { if ((entry & bit) != 0) sb.Append(sb.Length == 0 ? "" : " ").Append(name); }
        Add(PTE_P, "P"); Add(PTE_W, "W"); Add(PTE_U, "U"); Add(PTE_PWT, "PWT"); Add(PTE_PCD, "PCD");
        Add(PTE_A, "A"); Add(PTE_D, "D"); Add(PTE_PS, "PS"); Add(PTE_G, "G"); Add(PTE_NX, "NX");
        return sb.Length == 0 ? "-" : sb.ToString();
    }

    /// <summary>"PTE_P|PTE_W" style C expression for a permission value, as WeensyOS code writes it.</summary>
    public static string FormatConstants(ulong perm)
    {
        var names = new List<string>();
        foreach (var (bit, name) in new[] { (PTE_P, "PTE_P"), (PTE_W, "PTE_W"), (PTE_U, "PTE_U"), (PTE_PWT, "PTE_PWT"),
                     (PTE_PCD, "PTE_PCD"), (PTE_A, "PTE_A"), (PTE_D, "PTE_D"), (PTE_PS, "PTE_PS"), (PTE_G, "PTE_G"), (PTE_NX, "PTE_NX") })
            if ((perm & bit) != 0) names.Add(name);
        return names.Count == 0 ? "0" : string.Join('|', names);
    }
}

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
    public const ulong PTE_P = 1UL << 0;      // present
    public const ulong PTE_W = 1UL << 1;      // writable (R/W)
    public const ulong PTE_U = 1UL << 2;      // user-accessible (U/S)
    public const ulong PTE_PWT = 1UL << 3;    // page-level write-through
    public const ulong PTE_PCD = 1UL << 4;    // page-level cache disable
    public const ulong PTE_A = 1UL << 5;      // accessed: set by the MMU on every use
    public const ulong PTE_D = 1UL << 6;      // dirty: set by the MMU on a write (leaf entries only)
    public const ulong PTE_PS = 1UL << 7;     // page size: leaf at PDPT (1 GiB) or PD (2 MiB); reserved in PML4
    public const ulong PTE_G = 1UL << 8;      // global: survives a CR3 reload when CR4.PGE = 1 (leaf only)
    public const ulong PTE_NX = 1UL << 63;    // execute-disable (XD), honoured when EFER.NXE = 1
    public const ulong PTE_PAMASK = 0x000F_FFFF_FFFF_F000UL;   // address field, bits 51:12
    public const ulong PTE_FLAGS = 0xFFFUL | PTE_NX;            // everything that is not address or ignored

    /// <summary>The address field of <paramref name="entry"/> (bits 51:12).</summary>
    public static ulong Address(ulong entry) => entry & PTE_PAMASK;

    /// <summary>The permission and status bits of <paramref name="entry"/> (bits 11:0 and NX).</summary>
    public static ulong Flags(ulong entry) => entry & PTE_FLAGS;

    public static bool IsPresent(ulong entry) => (entry & PTE_P) != 0;
    public static bool IsWritable(ulong entry) => (entry & PTE_W) != 0;
    public static bool IsUser(ulong entry) => (entry & PTE_U) != 0;
    public static bool IsAccessed(ulong entry) => (entry & PTE_A) != 0;
    public static bool IsDirty(ulong entry) => (entry & PTE_D) != 0;
    public static bool IsLarge(ulong entry) => (entry & PTE_PS) != 0;
    public static bool IsGlobal(ulong entry) => (entry & PTE_G) != 0;
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

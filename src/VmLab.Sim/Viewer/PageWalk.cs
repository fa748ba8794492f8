using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Viewer;

/// <summary>One level of a walk: the table read, the slot, the entry and its decoded bits. <see cref="Pfn"/> is
/// the frame number the entry points at (the next table, or the page for a leaf).</summary>
public sealed record WalkLevel(int Level, string Table, ulong TablePa, int Index, ulong EntryAddress, ulong Entry, string Flags,
    ulong Pfn, EntryBits Bits, bool Leaf);

/// <summary>The bits a student reads in an entry (SDM table 4-19), plus the kernel's software bit PTE_COW.</summary>
public sealed record EntryBits(bool P, bool W, bool U, bool A, bool D, bool Ps, bool G, bool Nx, bool Cow)
{
    /// <summary>Decodes entry <paramref name="e"/>'s bits.</summary>
    internal static EntryBits Of(ulong e) => new((e & PTE_P) != 0, (e & PTE_W) != 0, (e & PTE_U) != 0, (e & PTE_A) != 0,
        (e & PTE_D) != 0, (e & PTE_PS) != 0, (e & PTE_G) != 0, (e & PTE_NX) != 0, (e & Kernel.Kernel.PTE_COW) != 0);
}

/// <summary>Why a walk failed: #PF with its error code in words and in the kernel's terms, or #GP.</summary>
public sealed record WalkFault(string Kind, int Vector, uint ErrorCode, string Meaning, string Explanation);

/// <summary>
/// A page walk as the page draws it: levels from PML4 down, then the physical address or the fault, and
/// whether the TLB holds the translation for this access now.
/// </summary>
public sealed record PageWalk(int Pid, ulong Va, string Access, ulong Cr3, IReadOnlyList<WalkLevel> Levels, ulong? Pa,
    WalkFault? Fault, bool InTlb, string Tlb)
{
    /// <summary>The program symbol the address falls in ("main+0x12", "x"), when the process's program has one there.</summary>
    public string? Symbol { get; init; }

    /// <summary>
    /// Walks <paramref name="va"/> in <paramref name="pid"/>'s page table (0: kernel_pagetable, as the kernel) with
    /// the machine's own MMU, then puts back any accessed/dirty bit the walk set: looking changes nothing.
    /// Null when no live process has that pid.
    /// </summary>
    public static PageWalk? Of(Kernel.Kernel kernel, int pid, ulong va, Access access)
    {
        var pt = pid == 0 ? kernel.KernelPageTable : kernel.Find(pid)?.PageTable;
        if (pt is null) return null;
        var privilege = pid == 0 ? Privilege.Supervisor : Privilege.User;
        var trace = kernel.Mmu.Trace(pt.Root, va, access, privilege);
        foreach (var s in trace.Steps)
            if (s.EntryAfter != s.EntryBefore) kernel.Memory.WriteU64(s.EntryAddress, s.EntryBefore);
        var levels = trace.Steps.Select(s => new WalkLevel(s.Level, s.Table, s.TablePa, s.Index, s.EntryAddress, s.EntryBefore,
            FormatFlags(s.EntryBefore), Address(s.EntryBefore) >> VirtualAddress.PageShift, EntryBits.Of(s.EntryBefore),
            (s.EntryBefore & PTE_P) != 0 && (s.Level == 0 || (s.EntryBefore & PTE_PS) != 0))).ToList();
        bool loaded = kernel.Tlb.Cr3 == pt.Root;
        bool inTlb = loaded && privilege == Privilege.User && kernel.Tlb.Holds(va, access);
        string tlb = !loaded ? $"not cached: the TLB holds the translations of CR3 0x{kernel.Tlb.Cr3:x}, and loading this table's CR3 flushes them"
            : inTlb ? "cached: this access hits in the TLB without a walk"
            : "not cached for this access: the next one walks the table (and fills the TLB if it succeeds)";
        return new PageWalk(pid, va, Kernel.Kernel.AccessWord(access), pt.Root, levels, trace.Pa,
            trace.Fault.IsFault ? Explain(trace.Fault, levels, pid) : null, inTlb, tlb);
    }

    private static WalkFault Explain(MemoryFault f, IReadOnlyList<WalkLevel> levels, int pid)
    {
        if (f.Kind != FaultKind.PageFault)
            return new WalkFault("general_protection", f.Vector, 0, "non-canonical address",
                $"0x{f.Address:x} is not canonical (bits 63:47 differ): the CPU raises #GP before any walk");
        var e = f.ErrorCode;
        var last = levels[^1];
        string why;
        if ((e & PageFaultError.ReservedBit) != 0)
            why = $"{last.Table}[{last.Index}] has a reserved bit set";
        else if ((e & PageFaultError.Present) == 0)
            why = $"{last.Table}[{last.Index}] is not present (P = 0): nothing is mapped here";
        else if (pid != 0 && levels.FirstOrDefault(l => !l.Bits.U) is { } kernelOnly)
            why = $"{kernelOnly.Table}[{kernelOnly.Index}] has U = 0: the page is kernel-only, user code may not touch it";
        else if ((e & PageFaultError.Write) != 0 && last.Bits.Cow)
            why = "copy-on-write: fork shared this page read-only (W = 0, PTE_COW set). The kernel handles this fault: it copies the page, maps the copy writable in this process only, and restarts the write";
        else if ((e & PageFaultError.Write) != 0 && levels.FirstOrDefault(l => !l.Bits.W) is { } readOnly)
            why = $"{readOnly.Table}[{readOnly.Index}] has W = 0: the page is read-only";
        else if ((e & PageFaultError.InstructionFetch) != 0)
            why = "NX is set: the page holds data, not code";
        else
            why = "the access rights do not allow this access";
        bool handled = (e & PageFaultError.Write) != 0 && last.Bits.Cow && (e & PageFaultError.Present) != 0;
        string outcome = pid == 0 ? "" : handled ? "" : " The kernel kills the process.";
        return new WalkFault("page_fault", f.Vector, (uint)e, MemoryFault.Describe(e), why + "." + outcome);
    }
}

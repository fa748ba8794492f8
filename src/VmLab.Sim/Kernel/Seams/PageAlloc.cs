using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>G1 page_alloc(va): maps a fresh zeroed page P|W|U|NX at va for p. va must be page-aligned, in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) and not yet mapped; anything else returns -1 and changes nothing (the
/// kernel is a deputy: it must never touch memory that is not the caller's). 0 on success, -1 out of memory.</summary>
public interface IPageAlloc
{
    /// <summary>
    /// Maps a fresh zeroed page at <paramref name="va"/> for <paramref name="p"/>: 0 on success, -1 as ulong for a bad
    /// va or no memory (the contract above).
    /// </summary>
    ulong PageAlloc(Kernel k, Process p, ulong va);
}

public sealed partial class ReferenceSyscalls : IPageAlloc
{
    /// <inheritdoc/>
    public ulong PageAlloc(Kernel k, Process p, ulong va)
    {
        if (!IsUserPage(va) || p.PageTable.Iter(va).Present) return Kernel.Fail;
        if (!k.MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return Kernel.Fail;
        k.Tlb.Invlpg(va);
        return 0;
    }
}

/// <summary>The handout's page_alloc (seed 003 G1): with identity-mapped thinking it zeroes the physical page
/// at va before mapping, trusting that va is the caller's. Given a kernel or another process's address the
/// kernel, acting for the caller, wipes memory that is not the caller's: a confused deputy.</summary>
public sealed class HandoutPageAlloc : IPageAlloc
{
    /// <summary>The one instance (the class has no state).</summary>
    public static HandoutPageAlloc Instance { get; } = new();

    /// <summary>
    /// Like the reference for addresses at or above PROC_START_ADDR; below it, zeroes the physical frame at
    /// <paramref name="va"/> and returns 0 (the bug G1 exploits).
    /// </summary>
    public ulong PageAlloc(Kernel k, Process p, ulong va)
    {
        if (va % PageSize != 0 || va >= MemSizeVirtual) return Kernel.Fail;
        if (va < ProcStartAddr)
        {
            k.Memory.ZeroFrame(va);          // "clear the new page": the kernel trusts the address
            return 0;
        }
        return ReferenceSyscalls.Instance.PageAlloc(k, p, va);
    }
}

public sealed partial record KernelSeams
{
    /// <summary>
    /// G1 page_alloc(va): the reference checks its argument; <see cref="HandoutPageAlloc"/> is the confused deputy.
    /// </summary>
    public IPageAlloc PageAlloc { get; init; } = ReferenceSyscalls.Instance;
}

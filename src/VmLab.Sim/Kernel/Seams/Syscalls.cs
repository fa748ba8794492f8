using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>The reference spawn and page_alloc: every argument is checked against the caller's own page
/// table before the kernel acts on it.</summary>
public sealed class ReferenceSyscalls : ISpawn, IPageAlloc
{
    /// <summary>The one instance (the class has no state).</summary>
    public static ReferenceSyscalls Instance { get; } = new();

    /// <inheritdoc/>
    public ulong Spawn(Kernel k, Process p, ulong name)
    {
        Span<byte> one = stackalloc byte[1];
        var chars = new char[MaxName];
        for (int i = 0; i < MaxName; i++)
        {
            if (!k.TryCopyFromUser(p, name + (ulong)i, one)) return Kernel.Fail;
            if (one[0] == 0) return k.StartProgram(new string(chars, 0, i), p) is int pid and > 0 ? (ulong)pid : Kernel.Fail;
            chars[i] = (char)one[0];
        }
        return Kernel.Fail;     // no NUL within MaxName bytes
    }

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

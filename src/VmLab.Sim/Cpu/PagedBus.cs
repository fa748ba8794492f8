using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Cpu;

/// <summary>
/// The machine's bus: every access is translated by one CPU's <see cref="Tlb"/> (a full MMU walk on a miss,
/// which sets A, and D on a write) and then served from <see cref="PhysicalMemory"/>. Faults are the MMU's:
/// #PF with CR2 and the real x86 error code, or #GP for a non-canonical address. Nothing changes on a fault.
/// The code-page window is the frame's own host array: the CPU's decoded-instruction cache is keyed by it.
/// The page table in use is the TLB's CR3: the kernel switches processes with <c>Tlb.LoadCr3</c>.
/// </summary>
public readonly struct PagedBus(Tlb tlb) : IMemoryBus
{
    private readonly PhysicalMemory _memory = tlb.Mmu.Memory;

    /// <summary>The TLB every access goes through (its CR3 is the page table in use).</summary>
    public Tlb Tlb => tlb;

    /// <summary>The physical memory the TLB's MMU walks and the accesses land in.</summary>
    public PhysicalMemory Memory => _memory;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLoad(ulong va, int size, Access access, Privilege privilege, out ulong value, out MemoryFault fault)
    {
        if (!tlb.TryTranslate(va, access, privilege, out ulong pa, out fault))
        {
            value = 0;
            return false;
        }
        byte[]? frame = _memory.FrameArrayOrNull(pa);
        if (frame is null)
        {
            value = 0;     // an untouched frame reads as zeros
            return true;
        }
        ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(frame), (nint)(pa & 0xFFF));
        value = SizedAccess.Read(ref p, size);
        return true;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryStore(ulong va, int size, ulong value, Privilege privilege, out MemoryFault fault)
    {
        if (!tlb.TryTranslate(va, Access.Write, privilege, out ulong pa, out fault))
            return false;
        ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_memory.FrameArray(pa)), (nint)(pa & 0xFFF));
        SizedAccess.Write(ref p, size, value);
        return true;
    }

    /// <summary>True: physical memory allocates its frames pinned.</summary>
    public bool PinnedPages => true;

    /// <summary>Offers the frame behind va when the access at this privilege is allowed (the walk sets A, and
    /// D for a write). A frame never written reads as zeros and has no array yet: it is not offered for reading.</summary>
    public bool TryGetPage(ulong va, Access access, Privilege privilege, out byte[] page, out int offset)
    {
        offset = 0;
        if (!tlb.TryTranslate(va, access, privilege, out ulong pa, out _)
            || (access == Access.Read ? _memory.FrameArrayOrNull(pa) : _memory.FrameArray(pa)) is not { } frame)
        {
            page = [];
            return false;
        }
        page = frame;
        return true;
    }
}

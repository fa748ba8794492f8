using VmLab.Sim.Paging;

namespace VmLab.Sim.Cpu;

/// <summary>
/// The CPU's only view of memory: virtual addresses in, bytes or a fault out. Implemented by the test buses here
/// and, in the machine, by MMU + TLB + physical memory (<see cref="PagedBus"/>). Use a struct implementation with
/// <c>X86Cpu&lt;TBus&gt;</c> so the calls are devirtualised and inlined; a class works too (through interface calls).
///
/// Contract for every access (the CPU relies on it for "a faulting instruction has no side effects"):
/// - size is 1, 2, 4 or 8 and va is aligned to it (the CPU splits an unaligned access into aligned pieces and
///   checks every page before it writes), so an access never spans two pages;
/// - an access either completes or reports a fault and changes nothing;
/// - no allocation on any path.
/// </summary>
public interface IMemoryBus
{
    /// <summary>Reads size bytes at va, little-endian, zero-extended into value. Access is Read or Fetch.</summary>
    bool TryLoad(ulong va, int size, Access access, Privilege privilege, out ulong value, out MemoryFault fault);

    /// <summary>Writes the low size bytes of value at va, little-endian.</summary>
    bool TryStore(ulong va, int size, ulong value, Privilege privilege, out MemoryFault fault);

    /// <summary>
    /// The fast path: the host bytes of the 4 KiB page starting at va (page-aligned), if this access (Fetch,
    /// Read or Write) at this privilege is allowed there now; page = backing array, offset = where the page
    /// starts in it. A Write answer is given only as a write translation would be (dirty bit set). Returning
    /// false is always allowed: the CPU then goes through <see cref="TryLoad"/>/<see cref="TryStore"/> (and
    /// gets any fault from there). The CPU treats the answer like a TLB entry: it keeps it only until the
    /// current Run/Step returns (or <c>InvalidateCodeCache</c>), so changes made between runs are always seen.
    /// </summary>
    bool TryGetPage(ulong va, Access access, Privilege privilege, out byte[] page, out int offset);

    /// <summary>
    /// Whether every array <see cref="TryGetPage"/> hands out stays at one host address for as long as it is
    /// referenced (allocated pinned): then the CPU's host TLB keeps the page's host address, and a hit is a tag
    /// compare and an add. False: the CPU takes TryLoad/TryStore for every access (correct, only slower).
    /// </summary>
    bool PinnedPages { get; }
}

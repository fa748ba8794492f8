namespace VmLab.Sim.Cpu;

/// <summary>Who is asking: user code (CPL 3) or the kernel (CPL 0). Decides whether U=0 pages are reachable.</summary>
public enum Privilege : byte
{
    Supervisor = 0,
    User = 3,
}

/// <summary>What an access does with the bytes: the three cases an x86 page-fault error code distinguishes.</summary>
public enum Access : byte
{
    Read = 0,
    Write = 1,
    Fetch = 2,
}

/// <summary>Why an access or an instruction could not complete.</summary>
public enum FaultKind : byte
{
    None = 0,
    /// <summary>#PF: the translation refused the access; <see cref="MemoryFault.ErrorCode"/> says why.</summary>
    PageFault = 14,
    /// <summary>#GP: e.g. a non-canonical address, or a bus outside any memory.</summary>
    GeneralProtection = 13,
    /// <summary>#AC: a load, store or fetch not aligned to its size (this ISA requires natural alignment).</summary>
    Alignment = 17,
    /// <summary>#DE: division by zero, or the one signed quotient that does not fit (MinValue / -1).</summary>
    DivideError = 0,
}

/// <summary>The x86 page-fault error code bits (Intel SDM vol. 3, 4.7), as a bus reports them.</summary>
[Flags]
public enum PageFaultError : uint
{
    /// <summary>Clear: the page was not present. Set: present, but the access broke a permission.</summary>
    Present = 1 << 0,
    /// <summary>The access was a write.</summary>
    Write = 1 << 1,
    /// <summary>The access came from user mode.</summary>
    User = 1 << 2,
    /// <summary>A reserved bit was set in a paging entry.</summary>
    ReservedBit = 1 << 3,
    /// <summary>The access was an instruction fetch.</summary>
    Fetch = 1 << 4,
}

/// <summary>
/// A failed access, enough for a kernel to explain or fix it: the faulting linear address (x86 CR2), what the
/// access was, and the error code (<see cref="PageFaultError"/> bits for a page fault, 0 otherwise).
/// </summary>
public readonly record struct MemoryFault(FaultKind Kind, ulong Address, Access Access, PageFaultError ErrorCode)
{
    /// <summary>A page fault with the error code built from the access: present/protection, write, user, fetch.</summary>
    public static MemoryFault Page(ulong va, Access access, Privilege privilege, bool present) =>
        new(FaultKind.PageFault, va, access,
            (present ? PageFaultError.Present : 0)
            | (access == Access.Write ? PageFaultError.Write : 0)
            | (privilege == Privilege.User ? PageFaultError.User : 0)
            | (access == Access.Fetch ? PageFaultError.Fetch : 0));

    /// <summary>"PAGE FAULT on 0x1000 (user write, protection problem)", in the words WeensyOS uses.</summary>
    public override string ToString() => Kind switch
    {
        FaultKind.PageFault => $"PAGE FAULT on 0x{Address:x} ({((ErrorCode & PageFaultError.User) != 0 ? "user" : "kernel")} " +
                               $"{(Access == Access.Write ? "write" : Access == Access.Fetch ? "fetch" : "read")}, " +
                               $"{((ErrorCode & PageFaultError.Present) != 0 ? "protection problem" : "missing page")})",
        FaultKind.GeneralProtection => $"GENERAL PROTECTION FAULT on 0x{Address:x} ({Access.ToString().ToLowerInvariant()})",
        FaultKind.Alignment => $"ALIGNMENT FAULT on 0x{Address:x} ({Access.ToString().ToLowerInvariant()})",
        FaultKind.DivideError => $"DIVIDE ERROR at 0x{Address:x}",
        _ => "no fault",
    };
}

/// <summary>
/// The CPU's only view of memory: virtual addresses in, bytes or a fault out. Implemented by the test buses here
/// and, in the machine, by MMU + TLB + physical memory. Use a struct implementation with <c>Cpu&lt;TBus&gt;</c>
/// so the calls are devirtualised and inlined; a class works too (through interface calls).
///
/// Contract for every access (the CPU relies on it for "a faulting instruction has no side effects"):
/// - size is 1, 2, 4 or 8 and va is aligned to it (the CPU checks alignment first), so an access never spans
///   two pages;
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
    /// The fetch fast path: the host bytes of the 4 KiB page starting at va (page-aligned), if user or kernel
    /// code (per privilege) may be fetched from it; page = backing array, offset = where the page starts in it.
    /// Returning false is always allowed: the CPU then fetches through <see cref="TryLoad"/> (and gets the fault
    /// from there). The CPU treats the window like an instruction-TLB entry: it keeps it only until the current
    /// Run/Step returns (or <c>InvalidateCodeCache</c>), so mapping changes made between runs are always seen.
    /// Stores into the page are seen at once, since the window is the memory itself.
    /// </summary>
    bool TryGetCodePage(ulong va, Privilege privilege, out byte[] page, out int offset);
}

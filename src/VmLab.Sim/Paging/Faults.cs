namespace VmLab.Sim.Paging;

// The fault vocabulary shared by the MMU, the TLB, the CPU and the kernel: one definition, so a fault raised by
// a page walk reaches the kernel unchanged.

/// <summary>The kind of memory access being translated: the three cases an x86 page-fault error code distinguishes.</summary>
public enum Access : byte
{
    /// <summary>A data load.</summary>
    Read = 0,
    /// <summary>
    /// A data store: sets W/R (bit 1) in a page fault's error code; needs PTE_W at every level (supervisor too when
    /// CR0.WP = 1).
    /// </summary>
    Write = 1,
    /// <summary>
    /// An instruction fetch: sets I/D (bit 4) in a page fault's error code; faults on a page whose walk has PTE_NX.
    /// </summary>
    Fetch = 2,       // instruction fetch
}

/// <summary>Privilege of the access: CPL 0-2 is supervisor, CPL 3 is user (SDM 4.6). Decides whether U=0
/// pages are reachable. The values index the TLB's permission bits, so they stay 0 and 1.</summary>
public enum Privilege : byte
{
    /// <summary>Kernel mode (CPL 0): may use U=0 pages; a fault has U/S clear in its error code.</summary>
    Supervisor = 0,
    /// <summary>User mode (CPL 3): needs PTE_U at every level; a fault has U/S (bit 2) set in its error code.</summary>
    User = 1,
}

/// <summary>The page-fault error code pushed by #PF (SDM vol. 3A, 4.7, figure 4-12).</summary>
[Flags]
public enum PageFaultError : uint
{
    /// <summary>No bit set: a read, by the kernel, of a page that is not present.</summary>
    None = 0,
    /// <summary>
    /// P, bit 0: clear means the page (or a table above it) was not present, set means a protection violation.
    /// </summary>
    Present = 1 << 0,            // P: 0 = not-present page, 1 = protection violation
    /// <summary>W/R, bit 1: the access was a write.</summary>
    Write = 1 << 1,              // W/R: the access was a write
    /// <summary>U/S, bit 2: the access came from user mode (CPL 3).</summary>
    User = 1 << 2,               // U/S: the access was a user-mode access
    /// <summary>
    /// RSVD, bit 3: a reserved bit was set in a paging-structure entry (e.g. an address bit above MAXPHYADDR).
    /// </summary>
    ReservedBit = 1 << 3,        // RSVD: a reserved bit was set in some paging-structure entry
    /// <summary>I/D, bit 4: the access was an instruction fetch (reported when EFER.NXE = 1).</summary>
    InstructionFetch = 1 << 4,   // I/D: the access was an instruction fetch (reported when EFER.NXE = 1)
}

/// <summary>Why an access or an instruction could not complete. The value is the exception vector, except for
/// #DE (vector 0), which would collide with None; <see cref="MemoryFault.Vector"/> gives the real one.</summary>
public enum FaultKind : byte
{
    /// <summary>No fault: the access or instruction completed.</summary>
    None = 0,
    /// <summary>#DE, vector 0: division by zero, or a quotient that does not fit the destination
    /// (<see cref="MemoryFault.Cause"/> says which).</summary>
    DivideError = 32,
    /// <summary>#GP(0), vector 13: a non-canonical address (no CR2, no page-fault code).</summary>
    GeneralProtection = 13,
    /// <summary>#PF, vector 14: CR2 holds the address, ErrorCode the cause.</summary>
    PageFault = 14,
}

/// <summary>What the CPU knows about why an instruction faulted, beyond the kind: the two reasons for #DE
/// and the privileged instruction behind a #GP. Page faults say theirs in the error code.</summary>
public enum FaultCause : byte
{
    /// <summary>Nothing more to say (every page fault, and a #GP for a non-canonical address).</summary>
    None = 0,
    /// <summary>#DE: div or idiv by zero.</summary>
    DivideByZero,
    /// <summary>#DE: the quotient does not fit the destination (e.g. idiv of INT64_MIN by -1, or div with
    /// rdx >= the divisor).</summary>
    QuotientOverflow,
    /// <summary>#GP: a privileged instruction (hlt) at user privilege.</summary>
    PrivilegedInstruction,
}

/// <summary>
/// A fault record, enough for a kernel to explain or fix it: the exception, the faulting linear address (CR2
/// for #PF; the instruction's address for #DE), what the access was, the #PF error code (0 otherwise), and
/// for #DE and a privileged #GP the cause.
/// A value type so that a failed translation allocates nothing. <c>default</c> is "no fault".
/// </summary>
public readonly record struct MemoryFault(FaultKind Kind, ulong Address, Access Access, PageFaultError ErrorCode,
    FaultCause Cause = FaultCause.None)
{
    /// <summary>"No fault", equal to <c>default</c>.</summary>
    public static readonly MemoryFault None = default;

    /// <summary>A page fault with the error code built from the access: present/protection, write, user, fetch.</summary>
    public static MemoryFault Page(ulong va, Access access, Privilege privilege, bool present) =>
        new(FaultKind.PageFault, va, access,
            (present ? PageFaultError.Present : 0)
            | (access == Access.Write ? PageFaultError.Write : 0)
            | (privilege == Privilege.User ? PageFaultError.User : 0)
            | (access == Access.Fetch ? PageFaultError.InstructionFetch : 0));

    /// <summary>#DE raised by the div or idiv at rip.</summary>
    public static MemoryFault Divide(ulong rip, FaultCause cause) => new(FaultKind.DivideError, rip, Access.Fetch, 0, cause);

    /// <summary>The cause in words: "divide by zero", "quotient overflow", "privileged instruction"; "" for none.</summary>
    public string CauseText => Cause switch
    {
        FaultCause.DivideByZero => "divide by zero",
        FaultCause.QuotientOverflow => "quotient overflow",
        FaultCause.PrivilegedInstruction => "privileged instruction",
        _ => "",
    };

    /// <summary>True for any fault kind except <see cref="FaultKind.None"/>.</summary>
    public bool IsFault => Kind != FaultKind.None;

    /// <summary>The exception vector (0, 13 or 14).</summary>
    public int Vector => Kind == FaultKind.DivideError ? 0 : (int)Kind;

    /// <summary>CR2 after the fault: the linear address for #PF, unchanged (reported as 0) otherwise.</summary>
    public ulong Cr2 => Kind == FaultKind.PageFault ? Address : 0;

    /// <summary>Human text, e.g. "page fault at 0x3000: error 0x7 (protection violation, write, user)".</summary>
    public override string ToString() => !IsFault ? "no fault" : Kind switch
    {
        FaultKind.GeneralProtection => $"general-protection fault: 0x{Address:x} is not canonical",
        FaultKind.DivideError => Cause == FaultCause.None ? $"divide error at 0x{Address:x}" : $"divide error at 0x{Address:x}: {CauseText}",
        _ => $"page fault at 0x{Address:x}: error 0x{(uint)ErrorCode:x} ({Describe(ErrorCode)})",
    };

    /// <summary>The WeensyOS console wording: "PAGE FAULT on 0x1000 (user write, protection problem)".</summary>
    public string WeensyText() => !IsFault ? "no fault" : Kind switch
    {
        FaultKind.PageFault => $"PAGE FAULT on 0x{Address:x} ({((ErrorCode & PageFaultError.User) != 0 ? "user" : "kernel")} " +
                               $"{AccessWord}, {((ErrorCode & PageFaultError.Present) != 0 ? "protection problem" : "missing page")})",
        FaultKind.GeneralProtection => $"GENERAL PROTECTION FAULT on 0x{Address:x} ({AccessWord})",
        _ => Cause == FaultCause.None ? $"DIVIDE ERROR at 0x{Address:x}" : $"DIVIDE ERROR at 0x{Address:x} ({CauseText})",
    };

    private string AccessWord => Access switch { Access.Write => "write", Access.Fetch => "fetch", _ => "read" };

    /// <summary>The error code's bits in words.</summary>
    public static string Describe(PageFaultError e)
    {
        var parts = new List<string> { (e & PageFaultError.Present) != 0 ? "protection violation" : "not present" };
        parts.Add((e & PageFaultError.Write) != 0 ? "write" : (e & PageFaultError.InstructionFetch) != 0 ? "instruction fetch" : "read");
        parts.Add((e & PageFaultError.User) != 0 ? "user" : "supervisor");
        if ((e & PageFaultError.ReservedBit) != 0) parts.Add("reserved bit set");
        return string.Join(", ", parts);
    }
}

/// <summary>Thrown by the convenience accessors that cannot return a fault record.</summary>
public sealed class MemoryFaultException(MemoryFault fault) : InvalidOperationException(fault.ToString())
{
    /// <summary>The fault record the access produced: kind, address, access and error code.</summary>
    public MemoryFault Fault => fault;
}

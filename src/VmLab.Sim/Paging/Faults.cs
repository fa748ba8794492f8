namespace VmLab.Sim.Paging;

/// <summary>The kind of memory access being translated.</summary>
public enum Access : byte
{
    Read = 0,
    Write = 1,
    Fetch = 2,       // instruction fetch
}

/// <summary>Privilege of the access: CPL 0-2 is supervisor, CPL 3 is user (SDM 4.6).</summary>
public enum Privilege : byte
{
    Supervisor = 0,
    User = 1,
}

/// <summary>The page-fault error code pushed by #PF (SDM vol. 3A, 4.7, figure 4-12).</summary>
[Flags]
public enum PageFaultError : uint
{
    None = 0,
    Present = 1 << 0,            // P: 0 = not-present page, 1 = protection violation
    Write = 1 << 1,              // W/R: the access was a write
    User = 1 << 2,               // U/S: the access was a user-mode access
    ReservedBit = 1 << 3,        // RSVD: a reserved bit was set in some paging-structure entry
    InstructionFetch = 1 << 4,   // I/D: the access was an instruction fetch
}

/// <summary>What stopped a translation.</summary>
public enum FaultKind : byte
{
    None = 0,
    PageFault = 14,              // #PF, vector 14: CR2 holds the address, ErrorCode the cause
    GeneralProtection = 13,      // #GP(0), vector 13: a non-canonical address (no CR2, no page-fault code)
}

/// <summary>
/// A fault record: the exception, CR2 (the faulting linear address, for #PF) and the #PF error code.
/// A value type so that a failed translation allocates nothing.
/// </summary>
public readonly record struct MemoryFault(FaultKind Kind, ulong Address, PageFaultError ErrorCode)
{
    public static readonly MemoryFault None = default;

    public bool IsFault => Kind != FaultKind.None;

    /// <summary>The exception vector (14 or 13).</summary>
    public int Vector => (int)Kind;

    /// <summary>CR2 after the fault: the linear address for #PF, unchanged (reported as 0) for #GP.</summary>
    public ulong Cr2 => Kind == FaultKind.PageFault ? Address : 0;

    /// <summary>Human text, e.g. "page fault at 0x3000: error 0x7 (protection violation, write, user)".</summary>
    public override string ToString() => Kind switch
    {
        FaultKind.None => "no fault",
        FaultKind.GeneralProtection => $"general-protection fault: 0x{Address:x} is not canonical",
        _ => $"page fault at 0x{Address:x}: error 0x{(uint)ErrorCode:x} ({Describe(ErrorCode)})",
    };

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
    public MemoryFault Fault => fault;
}

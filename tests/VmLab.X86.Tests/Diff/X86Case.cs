namespace VmLab.X86.Tests.Diff;

/// <summary>One differential case: code (ending in ud2) at <see cref="CodeVa"/>, the registers and flags to
/// start from, the data page's first <see cref="DataSize"/> and last <see cref="TailSize"/> bytes, and which
/// status flags are undefined where it stops (not compared). Above the data page lie a read-only page
/// (<see cref="RoVa"/>, byte i = <see cref="RoByte"/>(i)) and a page that is not mapped (<see cref="NoneVa"/>),
/// which <see cref="Faulting"/> cases reach on purpose.</summary>
internal sealed class X86Case
{
    public const ulong CodeVa = 0x10000000, DataVa = 0x10001000, RoVa = DataVa + 0x1000, NoneVa = DataVa + 0x2000;
    public const int DataSize = 1024, TailSize = 64;
    public const ulong TailVa = DataVa + 4096 - TailSize;
    public const ulong StackStart = DataVa + 896;

    public static byte RoByte(int i) => (byte)(i * 37 + 11);

    public required byte[] Code { get; init; }
    public required ulong[] Regs { get; init; }
    public required ulong Rflags { get; init; }
    public required byte[] Data { get; init; }
    public required byte[] Tail { get; init; }
    /// <summary>Status flags undefined before the instruction at each address (a fault stops the sequence there).</summary>
    public required Dictionary<ulong, ulong> UndefinedAt { get; init; }
    /// <summary>Touches the read-only or unmapped page, or fetches from the data page: only a paged memory
    /// gives the host's answer.</summary>
    public bool Faulting { get; init; }
    /// <summary>Has an access built to straddle two pages.</summary>
    public bool Straddles { get; init; }
}

/// <summary>Where a case ended: the signal the host would deliver (SIGILL at the closing ud2, SIGFPE for #DE,
/// SIGSEGV for a page fault or #GP), rip, the registers, RFLAGS, for SIGSEGV the fault address, error code and
/// vector, and the data.</summary>
internal sealed class X86Outcome
{
    public const int SigIll = 4, SigFpe = 8, SigSegv = 11;

    public int Signal;
    public ulong Rip;
    public ulong[] Regs = new ulong[16];
    public ulong Rflags;
    public ulong FaultAddress, ErrorCode, Vector;
    public byte[] Data = new byte[X86Case.DataSize];
    public byte[] Tail = new byte[X86Case.TailSize];
    /// <summary>Instructions retired (VmLab only; the host does not count).</summary>
    public long Retired;
    /// <summary>VmLab's cause of a #DE (Linux reports both causes as FPE_INTDIV).</summary>
    public VmLab.Sim.Paging.FaultCause Cause;
}

namespace VmLab.X86.Tests.Diff;

/// <summary>One differential case: code (ending in ud2) at <see cref="CodeVa"/>, the registers and flags to
/// start from, the data page's first <see cref="DataSize"/> bytes, and which status flags are undefined
/// where it stops (not compared).</summary>
internal sealed class X86Case
{
    public const ulong CodeVa = 0x10000000, DataVa = 0x10001000;
    public const int DataSize = 1024;
    public const ulong StackStart = DataVa + 896;

    public required byte[] Code { get; init; }
    public required ulong[] Regs { get; init; }
    public required ulong Rflags { get; init; }
    public required byte[] Data { get; init; }
    /// <summary>Status flags undefined before the instruction at each address (a fault stops the sequence there).</summary>
    public required Dictionary<ulong, ulong> UndefinedAt { get; init; }
}

/// <summary>Where a case ended: the signal the host would deliver (SIGILL at the closing ud2, SIGFPE for #DE,
/// SIGSEGV for a page fault), rip, the registers, RFLAGS and the data.</summary>
internal sealed class X86Outcome
{
    public const int SigIll = 4, SigFpe = 8, SigSegv = 11;

    public int Signal;
    public ulong Rip;
    public ulong[] Regs = new ulong[16];
    public ulong Rflags;
    public byte[] Data = new byte[X86Case.DataSize];
}

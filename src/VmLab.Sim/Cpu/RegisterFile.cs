using System.Runtime.CompilerServices;

namespace VmLab.Sim.Cpu;

/// <summary>The sixteen general registers, numbered as in the encoding (x86-64 order).</summary>
public enum Reg : byte
{
    /// <summary>rax: accumulator; the syscall number and result.</summary>
    Rax,
    /// <summary>rcx: counter for rep; syscall leaves the return rip here.</summary>
    Rcx,
    /// <summary>rdx: the third syscall argument; the high half of mul/div.</summary>
    Rdx,
    /// <summary>rbx: callee-saved.</summary>
    Rbx,
    /// <summary>rsp: the stack pointer.</summary>
    Rsp,
    /// <summary>rbp: frame pointer (callee-saved).</summary>
    Rbp,
    /// <summary>rsi: the second syscall argument; string source.</summary>
    Rsi,
    /// <summary>rdi: the first syscall argument and the spawn argument at start; string destination.</summary>
    Rdi,
    /// <summary>r8.</summary>
    R8,
    /// <summary>r9.</summary>
    R9,
    /// <summary>r10.</summary>
    R10,
    /// <summary>r11: syscall leaves RFLAGS here.</summary>
    R11,
    /// <summary>r12.</summary>
    R12,
    /// <summary>r13.</summary>
    R13,
    /// <summary>r14.</summary>
    R14,
    /// <summary>r15.</summary>
    R15,
}

/// <summary>Storage for the general registers, indexable by number.</summary>
[InlineArray(16)]
public struct GeneralRegisters
{
    private ulong _r0;
}

/// <summary>
/// Everything a kernel saves and restores on a context switch: copy it out of <c>cpu.Registers</c> when a
/// process stops and back in before it runs again. A plain value: copying it copies the whole state.
/// </summary>
public struct RegisterFile
{
    /// <summary>The names of the sixteen general registers, in <see cref="Reg"/> order ("rax" ... "r15").</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    /// <summary>The general registers, indexed by <see cref="Reg"/> number.</summary>
    public GeneralRegisters Gpr;

    /// <summary>The instruction pointer: the next instruction to run.</summary>
    public ulong Rip;

    /// <summary>RFLAGS as software sees it (pushfq): the status flags, DF, and the fixed bit 1.</summary>
    public ulong Rflags;

    /// <summary>One general register by name.</summary>
    public ulong this[Reg r]
    {
        readonly get => Gpr[(int)r];
        set => Gpr[(int)r] = value;
    }

    /// <summary>Value-wise equality, for tests that check "nothing changed".</summary>
    public readonly bool SameAs(in RegisterFile other)
    {
        for (int i = 0; i < 16; i++)
            if (Gpr[i] != other.Gpr[i]) return false;
        return Rip == other.Rip && Rflags == other.Rflags;
    }
}

/// <summary>Why <c>Run</c>/<c>Step</c> returned. The kernel acts on it and runs the CPU again.</summary>
public enum StopReason : byte
{
    /// <summary>The requested number of instructions retired; nothing else happened.</summary>
    Budget,
    /// <summary>The timer's interval elapsed (preemption point); rip is the next instruction.</summary>
    Timer,
    /// <summary>A syscall retired: rax holds the number, rip is past it. Put the result in rax and run on.</summary>
    Syscall,
    /// <summary>hlt retired; rip is past it.</summary>
    Halt,
    /// <summary>An instruction faulted (see <c>LastFault</c>); rip still points at it, nothing else changed
    /// (for rep movsb/stosb: the bytes done stay done, rsi/rdi/rcx say exactly how far). Fix and run again.</summary>
    Fault,
    /// <summary>rip points at something that is not an instruction; nothing changed.</summary>
    InvalidOpcode,
}

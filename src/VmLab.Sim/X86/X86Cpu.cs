using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>
/// An x86-64 processor in 64-bit mode executing real machine code through a memory bus (in the machine: TLB,
/// MMU, physical memory). Instructions are decoded by Iced once per physical code page and kept as decoded
/// blocks (see <see cref="XCodeCache"/>); the semantics of the supported subset (docs/x86.md) are written here.
/// A kernel drives it like this:
/// <code>
///   switch (cpu.Run(budget)) { case StopReason.Syscall: ... cpu[Reg.Rax] = result; ... }
/// </code>
/// Rules the kernel can rely on: a faulting instruction changes no register, flag or memory and re-executes
/// on the next Run (rep string instructions keep the iterations already done, with rcx/rsi/rdi saying how
/// far, as on hardware); an instruction outside the subset stops with InvalidOpcode, rip on it, and
/// <see cref="InvalidMnemonic"/> naming it; Timer fires after exactly <see cref="TimerInterval"/> retired
/// instructions. RFLAGS lives in <c>Registers.Rflags</c> between runs.
/// </summary>
public sealed partial class X86Cpu<TBus> where TBus : IMemoryBus
{
    private TBus _bus;
    private RegisterFile _regs;
    private long _instructions;
    private long _timerInterval;
    private long _timerRemaining;
    private readonly XCodeCache _code = new();

    /// <summary>
    /// A CPU at rip 0 with zeroed registers, user privilege, the timer off, reading memory through
    /// <paramref name="bus"/>.
    /// </summary>
    public X86Cpu(TBus bus) => _bus = bus;

    /// <summary>The bus, by reference (a struct bus is reached without copying).</summary>
    public ref TBus Bus => ref _bus;

    /// <summary>All architectural state (general registers, rip, Rflags); assign to restore a process.</summary>
    public ref RegisterFile Registers => ref _regs;

    /// <summary>One general register.</summary>
    public ulong this[Reg r]
    {
        get => _regs[r];
        set => _regs[r] = value;
    }

    /// <summary>
    /// The address of the next instruction to run (after a fault: the faulting instruction, which runs again).
    /// </summary>
    public ulong Rip
    {
        get => _regs.Rip;
        set => _regs.Rip = value;
    }

    /// <summary>RFLAGS as software sees it (bit 1 always set).</summary>
    public ulong Rflags
    {
        get => _regs.Rflags | Fl.Fixed;
        set => _regs.Rflags = value;
    }

    /// <summary>CPL: User (3) for programs; hlt is privileged and raises #GP there.</summary>
    public Privilege Privilege { get; set; } = Privilege.User;

    /// <summary>Retired instructions since construction (faulting and invalid ones do not count).</summary>
    public long InstructionCount => _instructions;

    /// <summary>The fault that ended the last Run with <see cref="StopReason.Fault"/>.</summary>
    public MemoryFault LastFault { get; private set; }

    /// <summary>After InvalidOpcode: the instruction's mnemonic as Iced names it ("ud2", "cpuid", "(bad)").</summary>
    public string InvalidMnemonic { get; private set; } = "";

    /// <summary>Decoded-instruction cache counters (blocks decoded, blocks dropped because their bytes changed).</summary>
    public long BlocksDecoded => _code.Decoded;

    /// <summary>Decoded blocks dropped because a store changed their code bytes (self-modifying code).</summary>
    public long BlocksInvalidated => _code.Invalidated;

    /// <summary>Preempt every this many retired instructions; 0 turns the timer off. Setting it restarts the count.</summary>
    public long TimerInterval
    {
        get => _timerInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _timerInterval = value;
            _timerRemaining = value;
        }
    }

    /// <summary>Instructions left until the timer fires.</summary>
    public long TimerRemaining => _timerRemaining;

    /// <summary>Executes one instruction (or reports the event that prevents it).</summary>
    public StopReason Step() => Run(1);

    /// <summary>
    /// Runs until maxInstructions retire (Budget) or an event: Timer, Syscall, Halt, Fault, InvalidOpcode.
    /// A timer that came due together with a syscall is reported by the next Run, before anything runs.
    /// </summary>
    public StopReason Run(long maxInstructions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxInstructions);
        bool timerOn = _timerInterval > 0;
        if (timerOn && _timerRemaining == 0)
        {
            _timerRemaining = _timerInterval;
            return StopReason.Timer;
        }
        long limit = timerOn ? Math.Min(maxInstructions, _timerRemaining) : maxInstructions;
        BeginRun();
        StopReason reason = Loop(limit, out long done);
        EndRun();
        _instructions += done;
        if (timerOn)
        {
            _timerRemaining -= done;
            if (_timerRemaining == 0 && reason == StopReason.Budget)
            {
                _timerRemaining = _timerInterval;
                reason = StopReason.Timer;
            }
        }
        return reason;
    }

    /// <summary>Forgets every decoded instruction (never needed for correctness: decoded blocks are checked
    /// against memory at the start of every Run and after a store to a code page).</summary>
    public void InvalidateCodeCache() => _code.Clear();

    private bool Fail(in MemoryFault fault)
    {
        LastFault = fault;
        return false;
    }
}

/// <summary>RFLAGS bits.</summary>
internal static class Fl
{
    public const ulong CF = 1, Fixed = 2, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200,
        DF = 0x400, OF = 0x800, AC = 0x40000, ID = 0x200000;
    public const ulong Status = CF | PF | AF | ZF | SF | OF;
    /// <summary>What user code can change with popf (TF is left out: single-stepping is not modelled).</summary>
    public const ulong UserWritable = Status | DF | AC | ID;
}

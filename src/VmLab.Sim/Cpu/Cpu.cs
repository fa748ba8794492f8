using VmLab.Sim.Paging;
using System.Runtime.CompilerServices;

namespace VmLab.Sim.Cpu;

/// <summary>
/// The processor: a register file, an instruction counter and a timer, executing the ISA of docs/isa.md
/// through a memory bus. It never allocates while running. The kernel drives it:
/// <code>
///   switch (cpu.Run(budget)) { case StopReason.Syscall: ... cpu[Reg.Rax] = result; ... }
/// </code>
/// Rules the kernel can rely on: a faulting instruction changes nothing and re-executes on the next Run;
/// Timer fires after exactly <see cref="TimerInterval"/> retired instructions (a fault does not retire);
/// the fetch window is dropped at the start of every Run/Step, so mapping changes between runs are always seen.
/// </summary>
public sealed partial class Cpu<TBus> where TBus : IMemoryBus
{
    private const int PageSize = 4096;

    private TBus _bus;
    private RegisterFile _regs;
    private long _instructions;
    private long _timerInterval;
    private long _timerRemaining;

    // Fetch window: host bytes of the current code page. _codeLimit is 0 when there is none.
    private byte[] _codePage = [];
    private int _codeOffset;
    private ulong _codeBase;
    private ulong _codeLimit;

    public Cpu(TBus bus) => _bus = bus;

    // --- state ---

    /// <summary>The bus, by reference (a struct bus is reached without copying).</summary>
    public ref TBus Bus => ref _bus;

    /// <summary>All architectural state; assign to restore a process, copy to save it.</summary>
    public ref RegisterFile Registers => ref _regs;

    /// <summary>One general register.</summary>
    public ulong this[Reg r]
    {
        get => _regs[r];
        set => _regs[r] = value;
    }

    public ulong Rip
    {
        get => _regs.Rip;
        set => _regs.Rip = value;
    }

    /// <summary>The privilege every access is checked with (user programs run as User).</summary>
    public Privilege Privilege { get; set; } = Privilege.User;

    /// <summary>Retired instructions since construction (faulting and invalid ones do not count).</summary>
    public long InstructionCount => _instructions;

    /// <summary>The fault that ended the last Run with <see cref="StopReason.Fault"/>.</summary>
    public MemoryFault LastFault { get; private set; }

    // --- timer ---

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

    /// <summary>Instructions left until the timer fires (0 when off, or when it is due before the next one).</summary>
    public long TimerRemaining => _timerRemaining;

    // --- running ---

    /// <summary>Executes one instruction (or reports the event that prevents it).</summary>
    public StopReason Step() => Run(1);

    /// <summary>
    /// Runs until maxInstructions retire (Budget) or an event: Timer, Syscall, Halt, Fault, InvalidOpcode.
    /// A timer that came due together with a syscall or hlt is reported by the next Run, before anything runs.
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
        _codeLimit = 0;
        long limit = timerOn ? Math.Min(maxInstructions, _timerRemaining) : maxInstructions;
        StopReason reason = Loop(limit, out long done);
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

    /// <summary>Forgets the fetch window now (Run does it on entry; call this after changing mappings while
    /// the CPU is mid-run, which only a bus that edits mappings itself can do).</summary>
    public void InvalidateCodeCache() => _codeLimit = 0;

    // --- fetch ---

    /// <summary>Reads the 8-byte slot at va when the fetch window does not cover it: installs the window for
    /// va's page when the bus offers one, else fetches through the bus.</summary>
    private bool FetchSlow(ulong va, out ulong slot)
    {
        slot = 0;
        if ((va & 7) != 0)
            return Fail(new MemoryFault(FaultKind.Alignment, va, Access.Fetch, 0));
        ulong pageBase = va & ~(ulong)(PageSize - 1);
        if (_bus.TryGetCodePage(pageBase, Privilege, out byte[] page, out int offset)
            && offset >= 0 && (long)offset + PageSize <= page.Length)
        {
            _codePage = page;
            _codeOffset = offset;
            _codeBase = pageBase;
            _codeLimit = PageSize;
            slot = Unsafe.ReadUnaligned<ulong>(ref page[offset + (int)(va - pageBase)]);
            return true;
        }
        _codeLimit = 0;
        if (_bus.TryLoad(va, 8, Access.Fetch, Privilege, out slot, out MemoryFault fault))
            return true;
        return Fail(fault);
    }

    private bool Fail(in MemoryFault fault)
    {
        LastFault = fault;
        return false;
    }
}

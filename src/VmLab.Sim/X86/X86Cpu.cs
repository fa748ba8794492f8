using System.Runtime.CompilerServices;
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
    private readonly XJit<TBus>? _jit = RuntimeFeature.IsDynamicCodeCompiled ? new XJit<TBus>() : null;

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

    /// <summary>Blocks decoded so far: cached ones, plus every instruction fetched and decoded past the cache
    /// (which happens only when its pages offer no code window or the second page of a straddling
    /// instruction cannot be fetched from).</summary>
    public long BlocksDecoded => _code.Decoded;

    /// <summary>Cached blocks dropped because the bytes they were decoded from changed.</summary>
    public long BlocksInvalidated => _code.Invalidated;

    /// <summary>
    /// Whether hot code runs translated: a block entered <see cref="TranslationThreshold"/> times is compiled, with
    /// the blocks it reaches in its page, to a .NET method that does exactly what the interpreter does (same
    /// faults, same instruction counts, the timer exact to the instruction). On by default where the runtime
    /// compiles dynamic code; a single <see cref="Step"/> is always interpreted.
    /// </summary>
    public bool Translation { get; set; } = true;

    /// <summary>
    /// Whether the JIT compiles translated regions on a thread of its own, one for the process, while this CPU goes
    /// on interpreting (off by default; regions are compiled in the order they got hot, whichever CPU they are for,
    /// and never wait for the thread pool). Compiling a region takes the JIT ~0.1 ms per instruction; on a machine with
    /// a spare core a short program no longer waits for it. What runs is the same either way (the interpreter
    /// and the translator are the same machine), only which instructions run translated depends on timing.
    /// </summary>
    public bool TranslateInBackground
    {
        get => _jit?.Background ?? false;
        set
        {
            if (_jit is not null) _jit.Background = value;
        }
    }

    /// <summary>Regions the background JIT has been given and not finished (0 when it is idle).</summary>
    public int TranslationsPending => _jit?.Pending ?? 0;

    /// <summary>How many times the dispatcher enters a block before it is compiled (0: the first time).</summary>
    public int TranslationThreshold
    {
        get => _jit?.Threshold ?? 0;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (_jit is not null) _jit.Threshold = value;
        }
    }

    /// <summary>Jumps between the compiled regions of a page, per instruction compiled for it, before the page is
    /// compiled again as one region (tests make merges come sooner).</summary>
    internal long TranslationMergeChains
    {
        get => _jit?.MergeChains ?? 0;
        set
        {
            if (_jit is not null) _jit.MergeChains = value;
        }
    }

    /// <summary>Host TLB misses a page's regions leave at before the page is compiled again with the slow path,
    /// which takes them inside the region (0: the slow path from the start; tests run both ways).</summary>
    internal long TranslationMissLimit
    {
        get => _jit?.MissLimit ?? 0;
        set
        {
            if (_jit is not null) _jit.MissLimit = value;
        }
    }

    /// <summary>Region exits at a host TLB miss, and pages compiled again with the slow path for them.</summary>
    internal (long Exits, long Recompiled) TranslationMisses => _jit is null ? default : (_jit.ExitMiss, _jit.MissRecompiled);

    /// <summary>Merges that handed their blocks back to a region compiled for the same blocks before.</summary>
    internal long TranslationRemerged => _jit?.Remerged ?? 0;

    /// <summary>Regions compiled so far, and the instructions in them.</summary>
    public (long Regions, long Instructions, long Entries, long Invalidated) TranslationStats =>
        _jit is null ? default : (_jit.Compiled, _jit.CompiledInstructions, _jit.Entries, _jit.Invalidated);

    /// <summary>The translator's profile: instructions retired in compiled regions (the rest were interpreted),
    /// host time spent building and emitting regions, and why region entries ended (a jump out of the region,
    /// the budget or timer, an event: syscall, fault, halt; of the jumps out, those that went on into another
    /// region of the page without the interpreter).</summary>
    internal (long Translated, TimeSpan Emit, TimeSpan Jit, long ExitLeft, long ExitBudget, long ExitEvent, long ExitChained) TranslationProfile =>
        _jit is null ? default : (_jit.TranslatedInstructions, System.Diagnostics.Stopwatch.GetElapsedTime(0, _jit.CompileTicks),
            new TimeSpan(_jit.JitTicks), _jit.ExitLeft, _jit.ExitBudget, _jit.ExitEvent, _jit.ExitChained);

    /// <summary>The compiled instructions emitted as IL, by mnemonic those that call their definition, and the
    /// regions emitted again smaller because the JIT would not have optimised them.</summary>
    internal (long Direct, IReadOnlyDictionary<string, int> Helpers, long Shrunk) TranslationForms =>
        _jit is null ? default : (_jit.DirectInstructions, _jit.HelperCodes.ToDictionary(h => h.Key.ToString(), h => h.Value), _jit.Shrunk);

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
            // the tick that came due with a syscall: nothing runs, so a ResumeUnchanged promise is not carried on
            // to a run the kernel may make for another process after this interrupt
            _timerRemaining = _timerInterval;
            _unchanged = false;
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

    /// <summary>
    /// Runs as <see cref="Run"/> does, except that timer interrupts coming due inside the run do not stop it: ticks
    /// says how many came due and were passed over, and the timer is left exactly where that many Timer stops (each
    /// followed by a Run of the same code) would have left it. So a kernel whose ticks would change nothing runs many
    /// quanta without leaving translated code, and its next stop is at the same instruction, with the same timer
    /// state, as after that many interruptions. A run that ends on a quantum's boundary ends as Run would there:
    /// Timer when the budget ran out there (that tick not among ticks), a syscall or hlt with the tick still due
    /// (delivered by the next Run), a fault or #UD after the tick (counted: the tick came before the instruction).
    /// </summary>
    internal StopReason RunThroughTicks(long maxInstructions, out long ticks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxInstructions);
        ticks = 0;
        if (_timerInterval == 0 || _timerRemaining == 0) return Run(maxInstructions);
        BeginRun();
        StopReason reason = Loop(maxInstructions, out long done);
        EndRun();
        _instructions += done;
        if (done < _timerRemaining)
        {
            _timerRemaining -= done;
            return reason;
        }
        long past = done - _timerRemaining;     // instructions after the first boundary crossed
        ticks = 1 + past / _timerInterval;
        long into = past % _timerInterval;
        _timerRemaining = _timerInterval - into;
        if (into != 0) return reason;
        switch (reason)
        {
            case StopReason.Budget:
                ticks--;
                return StopReason.Timer;
            case StopReason.Syscall or StopReason.Halt:
                ticks--;
                _timerRemaining = 0;
                return reason;
            default:
                return reason;
        }
    }

    /// <summary>Forgets every decoded instruction (never needed for correctness: decoded blocks are checked
    /// against memory at the start of every Run and after a store to a code page).</summary>
    public void InvalidateCodeCache() => _code.Clear();

    /// <summary>Records the fault that stops the current instruction; false, for "return Fail(...)".</summary>
    internal bool Fail(in MemoryFault fault)
    {
        LastFault = fault;
        return false;
    }
}

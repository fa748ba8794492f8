using System.Text;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Memory;
using VmLab.Sim.Machine;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>Kernel build options.</summary>
public sealed record KernelOptions
{
    /// <summary>The kernel's replaceable functions (fork's memory, exit's, page_alloc, the pipe...): the reference
    /// kernel unless a scenario or a lab plugs in a teaching variant or a student's.</summary>
    public KernelSeams Seams { get; init; } = KernelSeams.Reference;

    /// <summary>Timer preemption every this many user instructions (Cpu.TimerInterval).</summary>
    public long Quantum { get; init; } = 1000;

    /// <summary>Run the memory checker after every this many kernel entries (0: only when asked).</summary>
    public int CheckEvery { get; init; }
}

/// <summary>A user fault the kernel handled: who, where, what, and whether the process died of it.</summary>
public sealed record FaultRecord(int Pid, string Kind, ulong Address, string Access, uint ErrorCode, ulong Rip, bool Killed, string Message);

/// <summary>
/// A WeensyOS-style teaching kernel on the simulated machine: boot builds kernel_pagetable (identity map,
/// kernel isolation, user-writable console); processes get their own page tables; a round-robin scheduler
/// with timer preemption runs them on one CPU through the MMU and TLB; syscalls validate every argument.
/// Kernel bugs panic with "function: reason" (<see cref="Panic"/>); user mistakes kill only the process.
/// </summary>
public sealed partial class Kernel
{
    private readonly Process?[] _slots = new Process?[NProc];
    private readonly List<Process> _history = [];
    private readonly List<FaultRecord> _faults = [];
    private readonly StringBuilder _console = new();
    private readonly HashSet<string> _checkerErrors = [];
    private int _current;            // slot of the process that ran last
    private int _loaded = -1;        // slot whose page table the TLB holds, -1 after any mapping change
    private int _entries;            // kernel entries, for CheckEvery
    private bool _changedOutside;    // memory may have changed outside a kernel entry since the last check
    private bool _resume;            // false after a yield or a timer interrupt: the next process runs
    private bool _switchPending;     // the slot of _current now holds a different process

    /// <summary>
    /// Boots a kernel: reserves the null page, kernel image, I/O hole and console, builds kernel_pagetable (identity
    /// map of every page but page 0, console user-writable) and loads it into CR3. No process runs yet.
    /// </summary>
    public Kernel(KernelOptions? options = null)
    {
        Options = options ?? new KernelOptions();
        Seams = Options.Seams;
        Memory = new PhysicalMemory(MemSizePhysical);
        Frames = new FrameAllocator(Memory);
        Frames.Reserve(0, PageSize, FrameOwner.Reserved);
        Frames.Reserve(KernelStartAddr, KernelStackTop - KernelStartAddr, FrameOwner.Kernel);
        Frames.Reserve(IoHoleStart, ProcStartAddr - IoHoleStart, FrameOwner.Reserved);
        Frames.Reserve(ConsoleAddr, PageSize, FrameOwner.Console);
        KernelPageTable = PageTable.Create(Frames);
        var it = KernelPageTable.Iter();
        for (ulong va = PageSize; va < MemSizePhysical; va += PageSize)
            it.Find(va).Map(va, va == ConsoleAddr ? PTE_P | PTE_W | PTE_U : PTE_P | PTE_W);
        Mmu = new Mmu(Memory);
        Tlb = new Tlb(Mmu);
        Tlb.LoadCr3(KernelPageTable.Root);
        Cpu = new X86Cpu<PagedBus>(new PagedBus(Tlb)) { Privilege = Privilege.User, TimerInterval = Options.Quantum };
        FreeFramesAtBoot = Frames.FreeFrames;
    }

    /// <summary>The options it was built with (defaults when none were given).</summary>
    public KernelOptions Options { get; }

    /// <summary>The functions this kernel was built with: reference, teaching variant or a student's.</summary>
    public KernelSeams Seams { get; }
    /// <summary>The machine's physical memory, MEMSIZE_PHYSICAL (2 MiB) bytes.</summary>
    public PhysicalMemory Memory { get; }
    /// <summary>The physical page allocator (kalloc/kfree): who owns every frame.</summary>
    public FrameAllocator Frames { get; }
    /// <summary>kernel_pagetable: identity-maps physical memory, supervisor-only except the console page.</summary>
    public PageTable KernelPageTable { get; }
    /// <summary>The MMU every user access goes through (CR0.WP, EFER.NXE on).</summary>
    public Mmu Mmu { get; }
    /// <summary>
    /// The one CPU's TLB; the kernel loads CR3 when it switches page tables and after a mapping change.
    /// </summary>
    public Tlb Tlb { get; }
    /// <summary>
    /// The x86-64 CPU that runs user code through <see cref="Tlb"/>, in user mode, preempted every
    /// <see cref="KernelOptions.Quantum"/> instructions.
    /// </summary>
    public X86Cpu<PagedBus> Cpu { get; }

    /// <summary>Free frames right after boot: what must be free again once every process is gone.</summary>
    public ulong FreeFramesAtBoot { get; }

    /// <summary>Live processes (runnable or blocked), by pid.</summary>
    public IReadOnlyList<Process> Processes => [.. _slots.OfType<Process>().Where(p => p.Alive)];

    /// <summary>Every process that ever ran, in creation order (pids are reused, records are not).</summary>
    public IReadOnlyList<Process> History => _history;

    /// <summary>Every user fault the kernel handled, in order, whether the process survived it or not.</summary>
    public IReadOnlyList<FaultRecord> Faults => _faults;

    /// <summary>Everything processes printed, in order.</summary>
    public string Console => _console.ToString();

    /// <summary>Set when the kernel itself failed ("kfree: double free of 0x5000"); the machine stops.</summary>
    public string? Panic { get; private set; }

    /// <summary>Distinct problems the memory checker has reported so far.</summary>
    public IReadOnlyCollection<string> CheckerErrors => _checkerErrors;

    /// <summary>User instructions retired since boot, all processes together.</summary>
    public long Instructions => Cpu.InstructionCount;
    /// <summary>Kernel entries through the syscall instruction since boot, all processes, restarts included.</summary>
    public long SyscallCount { get; private set; }
    /// <summary>Times the scheduler switched the CPU to a different process.</summary>
    public long ContextSwitches { get; private set; }
    /// <summary>
    /// Fewest free frames seen after any kernel entry (ulong.MaxValue before the first): how close the run came to out
    /// of memory.
    /// </summary>
    public ulong MinFreeFrames { get; private set; } = ulong.MaxValue;

    /// <summary>When set, kernel events (switches, syscalls, faults) are logged to <see cref="TraceLog"/>.</summary>
    public bool TraceEnabled { get; set; }

    /// <summary>The first 5000 kernel events of a traced run.</summary>
    public List<string> TraceLog { get; } = [];

    internal void Log(string text)
    {
        if (TraceEnabled && TraceLog.Count < 5000) TraceLog.Add($"[{Cpu.InstructionCount,10}] {text}");
    }

    /// <summary>
    /// Raised after every kernel entry (a syscall, a fault, a timer interrupt, a spent budget) once the kernel has
    /// handled it: where observers look at the machine (<c>sim run --view</c> draws memory from here).
    /// </summary>
    public event Action<Kernel>? Entered;

    /// <summary>Lets a scenario adjust a fresh process before it first runs (the C1 exercise hook).</summary>
    public Action<Kernel, Process>? AfterProcessSetup { get; set; }

    /// <summary>The process in <paramref name="pid"/>'s slot if it is alive.</summary>
    public Process? Find(int pid) => pid is > 0 and < NProc && _slots[pid] is { Alive: true } p ? p : null;

    /// <summary>Runs the memory checker now; its findings are added to <see cref="CheckerErrors"/>.</summary>
    public CheckReport Check()
    {
        var report = MemoryChecker.Check(this);
        foreach (var e in report.Errors)
            if (_checkerErrors.Add(e)) NoteCheckerError(e);
        return report;
    }

    /// <summary>
    /// Runs processes until none is runnable, <paramref name="maxInstructions"/> more instructions retire, or
    /// the kernel panics. Returns the instructions retired by this call.
    /// </summary>
    public long Run(long maxInstructions)
    {
        long start = Cpu.InstructionCount, end = start + maxInstructions, events = EventCount;
        _changedOutside = true;     // between runs anyone may have changed memory (a scenario hook, a test)
        while (Panic is null && Cpu.InstructionCount < end && !(StopAtEvent && EventCount > events)
               && (_resume ? PickCurrentOrNext() : PickNext()) is { } p)
        {
            _resume = true;
            Dispatch(p);
            if (StopAtEvent && EventCount > events) break;     // a context switch: stop before the new process runs
            long before = Cpu.InstructionCount;
            StopReason reason = Cpu.Run(end - Cpu.InstructionCount);
            p.Registers = Cpu.Registers;
            bool mayChangeMemory = MayChangeMemory(reason, (long)p.Registers[Reg.Rax]);
            p.Instructions += Cpu.InstructionCount - before;
            try
            {
                Trap(p, reason);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                Panic = e.Message;     // already "function: reason", e.g. "kfree: double free of 0x5000"
            }
            if (Frames.FreeFrames < MinFreeFrames) MinFreeFrames = Frames.FreeFrames;
            Entered?.Invoke(this);
            // A spent budget is not a kernel entry: running N instructions in one call or in N calls checks alike.
            if ((mayChangeMemory || _changedOutside) && Options.CheckEvery > 0 && ++_entries % Options.CheckEvery == 0 && Panic is null)
            {
                Check();
                _changedOutside = false;
            }
        }
        return Cpu.InstructionCount - start;
    }

    // Kernel entries after which the checker has something new to see. A timer interrupt, getpid, yield and write
    // run no seam and change no page table or frame, and WeensyOS-style programs make them in tight loops: a
    // check after each would cost more than the program (still, the first entry of a run is checked, since a
    // hook or a test may have changed memory before it). A spent budget is no entry at all.
    private static bool MayChangeMemory(StopReason reason, long syscall) => reason switch
    {
        StopReason.Budget or StopReason.Timer => false,
        StopReason.Syscall => syscall is not (SyscallAbi.GetPid or SyscallAbi.Yield or SyscallAbi.Write),
        _ => true,
    };

    /// <summary>Ends a process from outside (a test harness, a scenario's time limit), freeing its memory.</summary>
    public void Kill(int pid, string reason)
    {
        if (Panic is not null || Find(pid) is not { } p) return;
        try
        {
            Terminate(p, ProcessState.Killed, reason);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            Panic = e.Message;
        }
    }

    // SCHEDULING

    // Round robin: the slot after the current one that can run, the current one last.
    private Process? PickNext()
    {
        for (int i = 1; i <= NProc; i++)
        {
            int s = (_current + i) % NProc;
            if (_slots[s] is { State: ProcessState.Runnable } p) return p;
        }
        return null;
    }

    // The running process stays unless it yields, blocks, ends or its quantum runs out.
    private Process? PickCurrentOrNext() =>
        _slots[_current] is { State: ProcessState.Runnable } p ? p : PickNext();

    private void Preempt() => _resume = false;

    private void Dispatch(Process p)
    {
        if (p.Pid != _current || _switchPending)
        {
            ContextSwitches++;
            Log($"switch to pid {p.Pid} ({p.Name}), cr3=0x{p.PageTable.Root:x}");
            NoteSwitch(p);
            Cpu.TimerInterval = Options.Quantum;     // a fresh quantum for the process coming in
            _current = p.Pid;
            _switchPending = false;
        }
        if (_loaded != p.Pid)
        {
            Tlb.LoadCr3(p.PageTable.Root);
            _loaded = p.Pid;
        }
        Cpu.Registers = p.Registers;
    }

    /// <summary>After any change to a live page table: the next dispatch reloads CR3 (flushing the TLB).</summary>
    public void MappingsChanged() => _loaded = -1;

    private void Terminate(Process p, ProcessState state, string? reason)
    {
        Seams.Exit.FreeProcess(this, p);
        p.State = state;
        p.KillReason = reason;
        _slots[p.Pid] = null;
        if (p.Pid == _current) _switchPending = true;
        MappingsChanged();
    }

    private int FreeSlot()
    {
        for (int s = 1; s < NProc; s++)
            if (_slots[s] is null) return s;
        return -1;
    }

    private Process Install(int slot, string name, PageTable pt, int parent)
    {
        var p = new Process(slot, name, pt, parent) { State = ProcessState.Runnable };
        _slots[slot] = p;
        _history.Add(p);
        return p;
    }

    /// <summary>Starts <paramref name="name"/> (a C program in <see cref="ElfPrograms"/>) with rdi = arg.
    /// Returns the pid, or -1 when the name is unknown, no slot is free, or memory ran out.</summary>
    public int Spawn(string name, ulong arg = 0) => Spawn(name, arg, parent: 0);

    /// <summary>Starts a program image under a name of the caller's choosing (tests, custom programs).</summary>
    public int Spawn(ProgramImage image, string name, ulong arg = 0) => Start(image, name, arg, parent: 0);

    private int Spawn(string name, ulong arg, int parent) =>
        ElfPrograms.Image(name) is { } image ? Start(image, name, arg, parent) : -1;

    private int Start(ProgramImage image, string name, ulong arg, int parent)
    {
        int slot = FreeSlot();
        if (slot < 0 || ProcessSetup(slot, image) is not { } pt) return -1;
        var p = Install(slot, name, pt, parent);
        p.Registers.Rip = image.Entry;
        p.Registers[Reg.Rsp] = MemSizeVirtual;
        p.Registers[Reg.Rdi] = arg;
        AfterProcessSetup?.Invoke(this, p);
        return p.Pid;
    }

    internal void Print(ReadOnlySpan<byte> bytes)
    {
        const int ConsoleLimit = 1 << 20;    // keep a hostile printer from eating the host
        if (_console.Length < ConsoleLimit) _console.Append(Encoding.Latin1.GetString(bytes));
    }

    internal IEnumerable<Process> LiveProcesses => _slots.OfType<Process>();

}

using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>Kernel build options.</summary>
internal sealed record KernelOptions
{
    /// <summary>The kernel's replaceable functions (fork's memory, exit's, page_alloc, the pipe...): the reference
    /// kernel unless a scenario or a lab plugs in a teaching variant or a student's.</summary>
    public KernelSeams Seams { get; init; } = KernelSeams.Reference;

    /// <summary>Timer preemption every this many user instructions (Cpu.TimerInterval).</summary>
    public long Quantum { get; init; } = 1000;

    /// <summary>Run the memory checker after every this many kernel entries (0: only when asked).</summary>
    public int CheckEvery { get; init; }

    /// <summary>Wall-clock time every <see cref="Kernel.Run"/> call together may take, checked between CPU slices
    /// (at least once a quantum, or every ~10 ms while timer ticks are passed over, Kernel.Ticks.cs): when it is spent, <see cref="Kernel.OutOfTime"/> is set and Run returns. A
    /// syscall-heavy program can cost microseconds an instruction, so an instruction budget alone does not bound
    /// time. Unlimited by default.</summary>
    public TimeSpan WallTime { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Stop running once every process yields forever with memory full (<see cref="Kernel.Idle"/>): the
    /// end of a WeensyOS program, which never exits. Off by default.</summary>
    public bool StopWhenIdle { get; init; }

    /// <summary>Programs spawn knows besides <see cref="Elf.ElfPrograms"/>'s, by name (the grader's boundary tests
    /// give alice names of exactly the longest lengths spawn must accept and refuse).</summary>
    public IReadOnlyDictionary<string, Elf.ProgramImage> Programs { get; init; } = new Dictionary<string, Elf.ProgramImage>();
}

/// <summary>A user fault the kernel handled: who, where, what, and whether the process died of it.</summary>
public sealed record FaultRecord(int Pid, string Kind, ulong Address, string Access, uint ErrorCode, ulong Rip, bool Killed, string Message)
{
    /// <summary>Why, in words: "NULL pointer dereference", "stack overflow", "divide by zero", "quotient overflow",
    /// "missing page", "protection problem", "outside VmLab's x86-64 subset", "invalid opcode", ...</summary>
    public string Cause { get; init; } = "";
    /// <summary>Where: the faulting instruction's symbol and offset as objdump names it ("process_main+0x14"), or its
    /// address when no symbol covers it.</summary>
    public string Where { get; init; } = "";
    /// <summary>The faulting instruction in objdump's AT&amp;T syntax ("mov (%rax),%edx"); "" when rip itself could not
    /// be fetched.</summary>
    public string Instruction { get; init; } = "";
    /// <summary>The x86 exception vector: 0 (#DE), 6 (#UD), 13 (#GP), 14 (#PF).</summary>
    public int Vector { get; init; }
    /// <summary>The signal Linux sends for the same fault on the real CPU: SIGFPE, SIGILL or SIGSEGV.</summary>
    public string Signal { get; init; } = "";
}

// WHAT TOOLS SEE: the machine's parts, the process table, counters, and the hooks scenarios and viewers use.
// Internal: the scenarios, the viewer, the CLI, the web and the grader read it; seams do not.
public sealed partial class Kernel
{
    // A program that forks and exits (or faults) in a loop makes hundreds of thousands of processes in a run's
    // time limit: the records kept are the first ones (so checkpoints still share one prefix of them), counted
    // beyond, and the latest ends in a ring.
    internal const int HistoryLimit = 4096, FaultLimit = 1024, RecentEnded = 16;
    private readonly List<Process> _history = [];
    private readonly List<FaultRecord> _faults = [];
    private readonly Queue<Process> _recentEnded = new();
    private readonly HashSet<string> _checkerErrors = [];

    /// <summary>The options it was built with (defaults when none were given).</summary>
    internal KernelOptions Options { get; }

    /// <summary>The functions this kernel was built with: reference, teaching variant or a student's.</summary>
    internal KernelSeams Seams { get; }

    /// <summary>kernel_pagetable: identity-maps physical memory, supervisor-only except the console page.</summary>
    internal PageTable KernelPageTable { get; }

    /// <summary>The MMU every user access goes through (CR0.WP, EFER.NXE on).</summary>
    internal Mmu Mmu { get; }

    /// <summary>The x86-64 CPU that runs user code through <see cref="Tlb"/>, in user mode, preempted every
    /// <see cref="KernelOptions.Quantum"/> instructions.</summary>
    internal X86Cpu<PagedBus> Cpu { get; }

    /// <summary>Free frames right after boot: what must be free again once every process is gone.</summary>
    internal ulong FreeFramesAtBoot { get; }

    /// <summary>Live processes (runnable or blocked), by pid.</summary>
    internal IReadOnlyList<Process> Processes => [.. _slots.OfType<Process>().Where(p => p.Alive)];

    internal IEnumerable<Process> LiveProcesses => _slots.OfType<Process>();

    /// <summary>The processes that ran, in creation order (pids are reused, records are not): the first
    /// <see cref="HistoryLimit"/>; <see cref="ProcessesCreated"/> counts them all.</summary>
    internal IReadOnlyList<Process> History => _history;

    /// <summary>Processes created since boot, those beyond <see cref="History"/> included.</summary>
    internal long ProcessesCreated { get; private set; }

    /// <summary>The processes that ended last (at most <see cref="RecentEnded"/>), oldest first.</summary>
    internal IReadOnlyCollection<Process> RecentlyEnded => _recentEnded;

    /// <summary>The first process the kernel killed (a fault it could not fix, or from outside), if any.</summary>
    internal Process? FirstKilled { get; private set; }

    /// <summary>The user faults that killed a process, in order: the first <see cref="FaultLimit"/>;
    /// <see cref="FaultCount"/> counts them all.</summary>
    internal IReadOnlyList<FaultRecord> Faults => _faults;

    /// <summary>User faults that killed a process since boot, those beyond <see cref="Faults"/> included.</summary>
    internal long FaultCount { get; private set; }

    /// <summary>Everything processes printed, and every fault message, in order: the bytes as text, UTF-8 where they
    /// are (a program printing "héllo ✓" shows that), each other byte as itself (Latin-1), so that no byte is lost.
    /// The kernel keeps one char per byte (its limits and checkpoints count bytes); this is how it reads.</summary>
    internal string Console => ConsoleText.Decode(_console.ToString());

    /// <summary>Set when the kernel itself failed ("kfree: double free of 0x5000"); the machine stops.</summary>
    internal string? Panic { get; private set; }

    /// <summary>Distinct problems the memory checker has reported so far.</summary>
    internal IReadOnlyCollection<string> CheckerErrors => _checkerErrors;

    /// <summary>User instructions retired since boot, all processes together.</summary>
    internal long Instructions => Cpu.InstructionCount;

    /// <summary>Kernel entries through the syscall instruction since boot, all processes, restarts included.</summary>
    internal long SyscallCount { get; private set; }

    /// <summary>pipewrite/piperead calls made (a call restarted after blocking counts once).</summary>
    internal long PipeSyscalls { get; private set; }

    /// <summary>Times the scheduler switched the CPU to a different process.</summary>
    internal long ContextSwitches { get; private set; }

    /// <summary>Write faults on copy-on-write pages the kernel resolved.</summary>
    internal long CopyOnWriteFaults { get; private set; }

    /// <summary>Fewest free frames seen after any kernel entry (ulong.MaxValue before the first): how close the run came
    /// to out of memory.</summary>
    internal ulong MinFreeFrames { get; private set; } = ulong.MaxValue;

    /// <summary>Raised after every kernel entry (a syscall, a fault, a timer interrupt, a spent budget) once the kernel has
    /// handled it: where observers look at the machine (<c>sim run --view</c> draws memory from here).</summary>
    internal event Action<Kernel>? Entered;

    /// <summary>Lets a scenario adjust a fresh process before it first runs (the C1 exercise hook).</summary>
    internal Action<Kernel, Process>? AfterProcessSetup { get; set; }

    /// <summary>The process in <paramref name="pid"/>'s slot if it is alive.</summary>
    internal Process? Find(int pid) => pid is > 0 and < NProc && _slots[pid] is { Alive: true } p ? p : null;

    /// <summary>Ends a process from outside (a test harness, a scenario's time limit), freeing its memory.</summary>
    internal void Kill(int pid, string reason)
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

    /// <summary>The C1 exercise's one mapping change, by the remap seam (see <see cref="IRemap"/>).</summary>
    internal void Remap(Process p, ulong va, ulong targetVa)
    {
        CheckAroundRemap(p, va, targetVa, () => Seams.Remap.Remap(this, p, va, targetVa));
        MappingsChanged();
    }

    /// <summary>After any change to a live page table: the next dispatch reloads CR3 (flushing the TLB).</summary>
    internal void MappingsChanged() => _loaded = -1;
}

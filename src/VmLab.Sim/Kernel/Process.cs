using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

/// <summary>Where a process is in its life (WeensyOS P_FREE / P_RUNNABLE / P_BLOCKED, plus how it ended).</summary>
public enum ProcessState : byte
{
    /// <summary>May run: the scheduler picks it in round-robin order.</summary>
    Runnable,
    /// <summary>
    /// Waiting in the kernel (a pipe read on an empty pipe, a write to a full one); skipped by the scheduler.
    /// </summary>
    Blocked,     // waiting in the kernel (pipes); the scheduler skips it
    /// <summary>Called exit; <see cref="Process.ExitStatus"/> holds its status and its frames are free.</summary>
    Exited,      // called exit: every frame it owned is free again
    /// <summary>Ended by the kernel after a fault it could not fix; <see cref="Process.KillReason"/> says why.</summary>
    Killed,      // the kernel ended it after a fault: every frame it owned is free again
}

/// <summary>
/// One process: its page table, its saved registers while it is not on the CPU, and how it ended.
/// Public so tools (the memory viewer, the checker) can walk every live address space.
/// </summary>
public sealed class Process
{
    internal Process(int pid, string name, PageTable pageTable, int parent)
    {
        Pid = pid;
        Name = name;
        PageTable = pageTable;
        Parent = parent;
    }

    /// <summary>Process id, 1 to NPROC-1 (15); a pid is reused after its process ends.</summary>
    public int Pid { get; }

    /// <summary>The program it runs (a fork child keeps its parent's name).</summary>
    public string Name { get; }

    /// <summary>Pid of the process that forked or spawned it; 0 for processes the kernel started.</summary>
    public int Parent { get; }

    /// <summary>Where it is in its life: runnable, blocked, exited or killed.</summary>
    public ProcessState State { get; internal set; }

    /// <summary>Runnable or blocked: still owns its page table and frames.</summary>
    public bool Alive => State is ProcessState.Runnable or ProcessState.Blocked;

    /// <summary>Its own page table: kernel half copied from kernel_pagetable, user half private.</summary>
    public PageTable PageTable { get; }

    /// <summary>Registers saved at its last stop (rax holds a syscall's result when it resumes).</summary>
    public RegisterFile Registers;

    /// <summary>The value passed to exit, or null while alive or when killed.</summary>
    public long? ExitStatus { get; internal set; }

    /// <summary>Why the kernel killed it ("PAGE FAULT on 0x… (pid 2, write, …)"), or null.</summary>
    public string? KillReason { get; internal set; }

    /// <summary>Instructions it retired and syscalls it made.</summary>
    public long Instructions { get; internal set; }

    /// <summary>Kernel entries through the syscall instruction (a call restarted after blocking counts each time).</summary>
    public long Syscalls { get; internal set; }

    /// <summary>The program image it was started from (a fork child shares its parent's): symbols for fault
    /// messages. Null for a process made without one.</summary>
    internal Elf.ProgramImage? Image { get; init; }

    /// <summary>Its place in <see cref="Kernel.History"/>.</summary>
    internal int HistoryIndex { get; init; }

    /// <summary>Its pending syscall slept and will run again: not counted twice.</summary>
    internal bool Restarting { get; set; }

    /// <summary>A copy of every field (the page-table handle is shared: it holds only the root's address).</summary>
    internal Process Clone() => (Process)MemberwiseClone();

    /// <summary>"pid N NAME STATE", e.g. "pid 2 alice runnable".</summary>
    public override string ToString() => $"pid {Pid} {Name} {State.ToString().ToLowerInvariant()}";
}

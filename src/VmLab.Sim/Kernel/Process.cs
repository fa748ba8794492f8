using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

/// <summary>Where a process is in its life (WeensyOS P_FREE / P_RUNNABLE / P_BLOCKED, plus how it ended).</summary>
public enum ProcessState : byte
{
    Runnable,
    Blocked,     // waiting in the kernel (pipes); the scheduler skips it
    Exited,      // called exit: every frame it owned is free again
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

    public int Pid { get; }

    /// <summary>The program it runs (a fork child keeps its parent's name).</summary>
    public string Name { get; }

    /// <summary>Pid of the process that forked or spawned it; 0 for processes the kernel started.</summary>
    public int Parent { get; }

    public ProcessState State { get; internal set; }

    public bool Alive => State is ProcessState.Runnable or ProcessState.Blocked;

    /// <summary>Its own page table: kernel half copied from kernel_pagetable, user half private.</summary>
    public PageTable PageTable { get; }

    /// <summary>Registers saved at its last stop (rax holds a syscall's result when it resumes).</summary>
    public RegisterFile Registers;

    public long? ExitStatus { get; internal set; }

    /// <summary>Why the kernel killed it ("PAGE FAULT on 0x… (pid 2, write, …)"), or null.</summary>
    public string? KillReason { get; internal set; }

    /// <summary>Instructions it retired and syscalls it made.</summary>
    public long Instructions { get; internal set; }

    public long Syscalls { get; internal set; }

    /// <summary>Its pending syscall slept and will run again: not counted twice.</summary>
    internal bool Restarting { get; set; }

    public override string ToString() => $"pid {Pid} {Name} {State.ToString().ToLowerInvariant()}";
}

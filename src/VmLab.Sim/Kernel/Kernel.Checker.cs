using VmLab.Sim.Cpu;
using VmLab.Sim.Machine;
using VmLab.Sim.X86;

namespace VmLab.Sim.Kernel;

// THE CHECKER'S DRIVER: when the memory checker runs (KernelOptions.CheckEvery) and what it is told about the
// entry it follows. It runs after kernel entries and before each Run, at the cost of what changed since it last
// looked (MemoryWatch); with CheckEvery = 1 it sees every entry on its own, so it can also hold the seam that ran
// to its permission contract (SeamContracts). Nothing here changes the machine.
public sealed partial class Kernel
{
    private readonly MemoryWatch _watch = new();

    /// <summary>Runs the memory checker now; its findings are added to <see cref="CheckerErrors"/>.</summary>
    internal CheckReport Check() => Check(null);

    /// <summary>What the checker has done since boot: page tables walked, times the invariants were judged.</summary>
    internal (long Walks, long Judgements) CheckerWork => _watch.Work;

    /// <summary>Moves whenever a process comes into or leaves a slot of the process table (the checker's quick
    /// "nothing changed" test).</summary>
    internal long ProcessTableVersion { get; private set; }

    /// <summary>The slot's process (live or not yet reaped), for the checker's walk: no allocation.</summary>
    internal Process? InSlot(int slot) => _slots[slot];

    private CheckReport Check(SeamCall? call)
    {
        CheckReport report;
        try
        {
            report = _watch.Check(this);
        }
        catch (VmLab.Sim.Memory.PhysicalAddressException e)
        {
            Panic ??= MachineCheck(e);
            return new CheckReport([], []);
        }
        Checked(report);
        for (int i = 0; i < report.Errors.Count; i++) CheckerFound(report.Errors[i]);
        if (call is { } c && SeamContracts.Check(c, _watch, this) is { } beyond)
            foreach (var e in beyond) CheckerFound(e);
        return report;
    }

    private void CheckerFound(string error)
    {
        if (_checkerErrors.Add(error)) Record(new(Cpu.InstructionCount, KernelEventKind.CheckerError, 0, error));
    }

    // Before a run: whatever changed since the last entry (a scenario's hook, a test, a restore) is seen before
    // the first new entry, so that entry's check sees that entry alone.
    private void CheckBetweenRuns()
    {
        if (Options.CheckEvery == 1 && Panic is null) Check(null);
    }

    // After a kernel entry: a spent budget is none (running N instructions in one call or in N calls checks alike).
    // asked: the registers the entry came in with (the syscall's number and argument).
    private void CheckAfterEntry(Process p, StopReason reason, in RegisterFile asked)
    {
        if (reason == StopReason.Budget || Options.CheckEvery <= 0 || ++_entries % Options.CheckEvery != 0 || Panic is not null) return;
        string? seam = Options.CheckEvery != 1 ? null : reason switch
        {
            StopReason.Syscall => SeamOf((long)asked[Reg.Rax]),
            StopReason.Timer => null,
            _ => p.Alive ? null : "exit",
        };
        Check(seam is null ? null : new SeamCall(seam, p, asked[Reg.Rdi], p.Registers[Reg.Rax]));
    }

    // The seam a syscall runs; null for the calls that run none (getpid, yield, write).
    private static string? SeamOf(long syscall) => syscall switch
    {
        SyscallAbi.PageAlloc => "page_alloc",
        SyscallAbi.Fork => "fork",
        SyscallAbi.Spawn => "spawn",
        SyscallAbi.PipeWrite => "pipewrite",
        SyscallAbi.PipeRead => "piperead",
        SyscallAbi.Exit => "exit",
        _ => null,
    };

    // Around C1's remap, called from outside any entry: the state before it, then the remap seam's contract.
    private void CheckAroundRemap(Process p, ulong va, ulong targetVa, Action remap)
    {
        if (Options.CheckEvery != 1 || Panic is not null)
        {
            remap();
            return;
        }
        Check(null);
        remap();
        Check(new SeamCall("remap", p, va, 0, targetVa));
    }
}

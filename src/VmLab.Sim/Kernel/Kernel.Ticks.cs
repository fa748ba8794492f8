using System.Diagnostics;
using VmLab.Sim.Cpu;
using VmLab.Sim.Machine;
using VmLab.Sim.X86;

namespace VmLab.Sim.Kernel;

// TICKS THAT CHANGE NOTHING: a timer interrupt preempts the running process every quantum, and the scheduler gives
// the CPU to the next runnable process. When the running process is the only runnable one, that is itself again,
// and the tick changes nothing anyone can see unless someone watches each entry (a trace, an Entered hook) or the
// memory checker could find something new there. Then the CPU runs on through the quanta (X86Cpu.RunThroughTicks)
// and the kernel does afterwards what those ticks did: it counts them as entries (CheckEvery) and tells the idle
// watch about them. The timer itself stays exact, so every later stop (a syscall, a fault, the next preemption
// once a second process runs) comes at the same instruction, with the same timer state, as tick by tick.
public sealed partial class Kernel
{
    // Under a time limit a coalesced run takes about this long before the loop looks at the clock again: the slice
    // of instructions grows while slices finish sooner than that and shrinks when one took longer. Without a limit
    // slices are as long as they can be.
    private static readonly long SliceTicks = Stopwatch.Frequency / 100;
    private const long MinSlice = 1 << 14, MaxSlice = 1 << 24;

    private long _slice = MinSlice;
    private long _now;      // the clock as the run loop last read it (only read under a time limit)
    private bool _checkClean;       // the checker's last report found nothing
    private bool _checkCurrent;     // and nothing but user code and timer ticks ran since it was made

    /// <summary>Whether timer interrupts that would resume the only runnable process and change nothing are passed
    /// over (on by default): the machine is the same as tick by tick, only faster. Off, every tick enters the kernel
    /// (tests compare the two).</summary>
    internal bool CoalesceTicks { get; set; } = true;

    /// <summary>Timer interrupts since boot, those passed over (<see cref="CoalescedTicks"/>) included.</summary>
    internal long TimerTicks { get; private set; }

    /// <summary>Timer interrupts passed over so far (<see cref="CoalesceTicks"/>); each still counted as a kernel
    /// entry for the checker.</summary>
    internal long CoalescedTicks { get; private set; }

    // The CPU's run for p, which Dispatch has just put on it: through the ticks when they would change nothing.
    private StopReason RunProcess(Process p, long budget)
    {
        if (!TicksChangeNothing(p)) return Cpu.Run(budget);
        bool limited = Options.WallTime != Timeout.InfiniteTimeSpan;
        long before = Cpu.InstructionCount;
        var reason = Cpu.RunThroughTicks(Math.Min(budget, limited ? _slice : MaxSlice), out long ticks);
        if (ticks > 0) PassedTicks(p, ticks);
        if (limited && Cpu.InstructionCount - before >= _slice / 2)
        {
            // a run that took most of its slice tells the rate; one a syscall ended early is not worth a clock read
            long took = Stopwatch.GetTimestamp() - _now;
            if (took < SliceTicks / 2) _slice = Math.Min(_slice * 2, MaxSlice);
            else if (took > SliceTicks) _slice = Math.Max(_slice / 2, MinSlice);
        }
        return reason;
    }

    // A tick would resume p with no other effect: p is the only runnable process (a blocked one wakes only in a
    // syscall), nobody watches each entry, and the checker has looked since the last entry that could change
    // memory and found nothing (user code cannot then write a page table: mapping one for it is a finding).
    private bool TicksChangeNothing(Process p)
    {
        if (!CoalesceTicks || Cpu.TimerInterval == 0 || TraceEnabled || Entered is not null || p.Pid != _current || _switchPending)
            return false;
        if (Options.CheckEvery > 0 && !(_checkCurrent && _checkClean)) return false;
        foreach (var q in _slots)
            if (q is { State: ProcessState.Runnable } && q != p) return false;
        return true;
    }

    // What each passed tick did in the per-tick kernel besides resuming p: it was a kernel entry (the checker,
    // which would have found nothing new, counts entries), and the idle watch saw a timer interrupt (the same
    // for one tick as for many: frames and console cannot change in user code).
    private void PassedTicks(Process p, long ticks)
    {
        CoalescedTicks += ticks;
        TimerTicks += ticks;
        if (Options.CheckEvery > 0) _entries = unchecked(_entries + (int)ticks);
        WatchIdle(p, StopReason.Timer, p.Registers);
    }

    // The checker's report, as of now (Kernel.Checker.cs calls it after every check).
    private void Checked(CheckReport report)
    {
        _checkClean = report.Errors.Count == 0;
        _checkCurrent = true;
    }

    // An entry that wrote no memory and changed no mapping: a timer tick, the end of a budget or slice, and the
    // syscalls the kernel answers itself without a seam (getpid, yield, write, an unknown number). A seam may write
    // anything, through views the memory cannot count (FrameSpan), so after one the CPU checks its caches again.
    private static bool ChangedNothing(StopReason reason, in RegisterFile asked) =>
        reason is StopReason.Timer or StopReason.Budget
        || reason == StopReason.Syscall && (long)asked[Reg.Rax] is SyscallAbi.GetPid or SyscallAbi.Yield or SyscallAbi.Write
            or < SyscallAbi.Write or > SyscallAbi.PipeRead;

    // After a kernel entry other than a timer tick (which changes no memory): the last report may be out of date.
    private void EntryMayHaveChangedMemory() => _checkCurrent = false;
}

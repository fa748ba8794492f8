namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    /// <summary>
    /// The kernel's complete state now, between two <see cref="Run"/> calls. <paramref name="records"/> belongs to
    /// this run (the same scenario and options from boot) and takes what only grows; <paramref name="previous"/>,
    /// an earlier checkpoint of the same run, lends the pages that have not changed since. Changes nothing.
    /// </summary>
    internal KernelCheckpoint Checkpoint(RunRecords records, KernelCheckpoint? previous = null)
    {
        Keep(records);
        return new KernelCheckpoint
        {
            Step = Instructions,
            Pages = KernelCheckpoint.PagesOf(Memory, previous),
            Frames = Frames.Save(),
            Mmu = Mmu.Save(),
            Tlb = Tlb.Save(),
            Cpu = Cpu.Save(),
            Pipe = Pipe.Save(),
            Live = [.. LiveProcesses.Select(p => new LiveProcess(p.Clone(), _syscallsByName.TryGetValue(p, out var c) ? [.. c] : null))],
            Events = EventPacking.Pack(_events),
            Counts = (_history.Count, _faults.Count, _checkerErrors.Count, _console.Length, TraceLog.Count),
            Scalars = new(_current, _loaded, _entries, _resume, _switchPending, Panic, SyscallCount, ContextSwitches, MinFreeFrames,
                EventCount, CopyOnWriteFaults, PipeSyscalls, _runTicks, OutOfTime, TimerTicks, CoalescedTicks, ProcessesCreated, FaultCount,
                FirstKilled, [.. _recentEnded]),
        };
    }

    /// <summary>
    /// Puts this kernel exactly where <paramref name="c"/> was taken. This kernel must run the same scenario with the
    /// same options as the one that took it (any step), and <paramref name="records"/> is that run's.
    /// </summary>
    internal void Restore(KernelCheckpoint c, RunRecords records)
    {
        for (ulong pfn = 0; pfn < Memory.FrameCount; pfn++) Memory.RestoreFrame(pfn, c.Pages[pfn]);
        Frames.Restore(c.Frames);
        Mmu.Restore(c.Mmu);
        Tlb.Restore(c.Tlb);
        Cpu.Restore(c.Cpu);
        Pipe.Restore(c.Pipe);
        // Fresh copies: the machine goes on changing its live processes, the checkpoint must not change.
        var live = c.Live.Select(l => (Process: l.Copy.Clone(), l.SyscallCounts)).ToList();
        var byIndex = live.ToDictionary(l => l.Process.HistoryIndex, l => l.Process);
        _history.Clear();
        for (int i = 0; i < c.Counts.History; i++)
            _history.Add(byIndex.GetValueOrDefault(i) ?? records.History[i]
                         ?? throw new InvalidOperationException($"checkpoint: process {i} of the run was never recorded"));
        Array.Clear(_slots);
        ProcessTableVersion++;
        _syscallsByName.Clear();
        foreach (var (p, counts) in live)
        {
            _slots[p.Pid] = p;
            if (counts is not null) _syscallsByName[p] = new Dictionary<string, long>(counts);
        }
        _faults.Clear();
        _faults.AddRange(records.Faults.Take(c.Counts.Faults));
        _checkerErrors.Clear();
        foreach (string e in records.CheckerErrors.Take(c.Counts.CheckerErrors)) _checkerErrors.Add(e);
        _console.Clear().Append(records.Console, 0, c.Counts.Console);
        TraceLog.Clear();
        TraceLog.AddRange(records.Trace.Take(c.Counts.Trace));
        _events.Clear();
        foreach (var e in EventPacking.Unpack(c.Events)) _events.Enqueue(e);
        var s = c.Scalars;
        (_current, _loaded, _entries, _resume, _switchPending, Panic) = (s.Current, s.Loaded, s.Entries, s.Resume, s.SwitchPending, s.Panic);
        (SyscallCount, ContextSwitches, MinFreeFrames, EventCount) = (s.SyscallCount, s.ContextSwitches, s.MinFreeFrames, s.EventCount);
        (CopyOnWriteFaults, PipeSyscalls, _runTicks, OutOfTime) = (s.CopyOnWriteFaults, s.PipeSyscalls, s.RunTicks, s.OutOfTime);
        (TimerTicks, CoalescedTicks, ProcessesCreated, FaultCount, FirstKilled) = (s.TimerTicks, s.CoalescedTicks, s.ProcessesCreated, s.FaultCount, s.FirstKilled);
        _recentEnded.Clear();
        foreach (Process p in s.RecentlyEnded) _recentEnded.Enqueue(p);   // ended records never change
        _watch.Forget();     // memory was just rewritten from outside: the next check walks it all
        EntryMayHaveChangedMemory();     // and no tick is passed over before it
        ForgetIdle();        // a streak of idle yields starts again from the restored machine
    }

    // Appends what grew since records last saw this run; a process goes in once it has ended.
    private void Keep(RunRecords records)
    {
        for (int i = records.History.Count; i < _history.Count; i++)
        {
            records.History.Add(_history[i].Alive ? null : _history[i]);
            if (_history[i].Alive) records.Unended.Add(i);
        }
        records.Unended.RemoveAll(i =>
        {
            if (i >= _history.Count || _history[i].Alive) return false;
            records.History[i] = _history[i];
            return true;
        });
        if (_faults.Count > records.Faults.Count) records.Faults.AddRange(_faults.Skip(records.Faults.Count));
        if (_checkerErrors.Count > records.CheckerErrors.Count) records.CheckerErrors.AddRange(_checkerErrors.Skip(records.CheckerErrors.Count));
        if (_console.Length > records.Console.Length) records.Console.Append(_console, records.Console.Length, _console.Length - records.Console.Length);
        if (TraceLog.Count > records.Trace.Count) records.Trace.AddRange(TraceLog.Skip(records.Trace.Count));
    }
}

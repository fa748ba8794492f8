using System.Diagnostics;
using System.Text;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Machine;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>
/// A WeensyOS-style teaching kernel on the simulated machine. This file is its kernel.cc, top to bottom: boot
/// builds kernel_pagetable; process_setup gives each process its own page table; the run loop dispatches a process
/// to the CPU and takes the CPU back at every exception (a syscall, a fault, the timer); the syscall entry checks
/// every argument and calls the seam (<see cref="KernelSeams"/>) that does the work; schedule is round robin.
/// What a seam may call is in Kernel.Api.cs, what tools may read in Kernel.State.cs, how events are recorded in
/// Kernel.Events.cs, the words a dying process gets in Kernel.Traps.cs. Kernel bugs panic with "function: reason"
/// (<see cref="Panic"/>); user mistakes kill only the process.
/// </summary>
public sealed partial class Kernel
{
    private readonly Process?[] _slots = new Process?[NProc];      // ptable: slot 0 unused, pid = slot
    private readonly StringBuilder _console = new();
    private int _current;            // slot of the process that ran last
    private int _loaded = -1;        // slot whose page table the TLB holds, -1 after any mapping change
    private int _entries;            // kernel entries, for CheckEvery
    private bool _resume;            // false after a yield or a timer interrupt: the next process runs
    private bool _switchPending;     // the slot of _current now holds a different process

    // BOOT (kernel_start)

    /// <summary>
    /// Boots: reserves the null page, kernel image, I/O hole and console, builds kernel_pagetable (identity map of
    /// every page but page 0, console user-writable) and loads it into CR3. No process runs yet.
    /// </summary>
    internal Kernel(KernelOptions? options = null)
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

    // PROCESS SETUP

    /// <summary>Starts <paramref name="name"/> (a C program in <see cref="ElfPrograms"/>) with rdi = arg.
    /// Returns the pid, or -1 when the name is unknown, no slot is free, or memory ran out.</summary>
    internal int Spawn(string name, ulong arg = 0) => Spawn(name, arg, parent: 0);

    /// <summary>Starts a program image under a name of the caller's choosing (tests, custom programs).</summary>
    internal int Spawn(ProgramImage image, string name, ulong arg = 0) => Start(image, name, arg, parent: 0);

    private int Spawn(string name, ulong arg, int parent) =>
        (Options.Programs.GetValueOrDefault(name) ?? ElfPrograms.Image(name)) is { } image ? Start(image, name, arg, parent) : -1;

    private int Start(ProgramImage image, string name, ulong arg, int parent)
    {
        int slot = FreeSlot();
        if (slot < 0 || ProcessSetup(slot, image) is not { } pt) return -1;
        var p = Install(slot, name, pt, parent, image);
        p.Registers.Rip = image.Entry;
        p.Registers[Reg.Rsp] = MemSizeVirtual;
        p.Registers[Reg.Rdi] = arg;
        AfterProcessSetup?.Invoke(this, p);
        return p.Pid;
    }

    /// <summary>
    /// process_setup: a new page table (<see cref="NewPageTable"/>: the kernel half copied from kernel_pagetable),
    /// each segment of <paramref name="image"/> on fresh frames (text P|U, data and bss P|W|U|NX) and one stack page
    /// below MEMSIZE_VIRTUAL. Null when memory runs out; nothing is left behind.
    /// </summary>
    private PageTable? ProcessSetup(int pid, ProgramImage image)
    {
        if (NewPageTable(pid) is not { } pt) return null;
        foreach (var seg in image.Segments)
        {
            ulong perm = seg.Writable ? PTE_P | PTE_W | PTE_U | PTE_NX : PTE_P | PTE_U;
            foreach (var (va, bytes) in seg.Pages())
                if (!IsUserPage(va) || !MapFresh(pt, va, perm, bytes.Span)) return Abandon(pt);
        }
        if (!MapFresh(pt, StackPage, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return Abandon(pt);
        return pt;
    }

    // RUN: schedule a process, run it until the CPU stops, handle why it stopped

    /// <summary>
    /// Runs processes until none is runnable, <paramref name="maxInstructions"/> more instructions retire, the
    /// kernel panics, or <see cref="KernelOptions.WallTime"/> is spent. Returns the instructions retired by this call.
    /// </summary>
    internal long Run(long maxInstructions)
    {
        EntryMayHaveChangedMemory();
        CheckBetweenRuns();     // between runs anyone may have changed memory (a scenario hook, a test)
        long start = Cpu.InstructionCount, end = start + maxInstructions, events = EventCount;
        long began = Stopwatch.GetTimestamp(), limit = TimeLimitTicks();
        bool unchanged = false;     // the last entry changed no memory and no mapping (Kernel.Ticks.cs)
        while (Panic is null && !Idle && Cpu.InstructionCount < end && !(StopAtEvent && EventCount > events)
               && !ClockSpent(began, limit)
               && (_resume ? PickCurrentOrNext() : PickNext()) is { } p)
        {
            _resume = true;
            // the same process resumes on the same page table after an entry that changed nothing (a timer tick, a
            // slice of ticks passed over, getpid): nothing the CPU caches (decoded and compiled code, the host TLB)
            // can have changed, so it need not check it all again
            if (unchanged && p.Pid == _current && !_switchPending && _loaded == p.Pid) Cpu.ResumeUnchanged();
            Dispatch(p);
            if (StopAtEvent && EventCount > events) break;     // a context switch: stop before the new process runs
            long before = Cpu.InstructionCount;
            StopReason reason = StopReason.Budget;
            var asked = p.Registers;
            try
            {
                reason = RunProcess(p, end - Cpu.InstructionCount);
                p.Registers = Cpu.Registers;
                asked = p.Registers;     // the syscall's number and arguments, for the checker
                p.Instructions += Cpu.InstructionCount - before;
                Trap(p, reason);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                // already "function: reason" ("kfree: double free of 0x5000"); or the hardware's own: a page table
                // whose entry points beyond physical memory (a user page-table page written by its process) is a
                // machine check, not an exception out of the simulator
                Panic = e is PhysicalAddressException bus ? MachineCheck(bus) : e.Message;
            }
            if (Frames.FreeFrames < MinFreeFrames) MinFreeFrames = Frames.FreeFrames;
            if (reason is not (StopReason.Timer or StopReason.Budget)) EntryMayHaveChangedMemory();
            Entered?.Invoke(this);
            CheckAfterEntry(p, reason, asked);     // the memory checker (Kernel.Checker.cs)
            WatchIdle(p, reason, asked);           // every process yielding forever (Kernel.Idle.cs)
            unchanged = ChangedNothing(reason, asked) && Entered is null;     // a hook may change anything
        }
        _runTicks += Stopwatch.GetTimestamp() - began;
        return Cpu.InstructionCount - start;
    }

    // What a bus error in a page walk is on real hardware: the machine stops.
    private static string MachineCheck(PhysicalAddressException e) => $"machine check: {e.Message} (a page-table entry points there)";

    /// <summary>True once the runs have spent <see cref="KernelOptions.WallTime"/>: the machine stopped on the clock,
    /// not because its programs were done.</summary>
    internal bool OutOfTime { get; private set; }

    private long _runTicks;

    private bool ClockSpent(long began, long limit) =>
        OutOfTime = limit != long.MaxValue && _runTicks + ((_now = Stopwatch.GetTimestamp()) - began) >= limit;

    private long TimeLimitTicks() => Options.WallTime == Timeout.InfiniteTimeSpan
        ? long.MaxValue
        : (long)Math.Min(Options.WallTime.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2.0);

    // EXCEPTION ENTRY (exception in kernel.cc): what stopped the CPU decides what happens to the process.
    private void Trap(Process p, StopReason reason)
    {
        switch (reason)
        {
            case StopReason.Budget: break;
            case StopReason.Timer:
                TimerTicks++;
                if (TraceEnabled) Record(new(Cpu.InstructionCount, KernelEventKind.Timer, p.Pid, $"timer interrupt in pid {p.Pid}"));     // traced only
                Yield();
                break;
            case StopReason.Syscall: Syscall(p); break;
            case StopReason.Fault when CopyOnWriteFault(p, Cpu.LastFault): break;     // fixed: p runs on
            case StopReason.Fault when GrowStack(p, Cpu.LastFault): break;            // fixed: the stack has one more page
            case StopReason.Fault: UserFault(p, Cpu.LastFault); break;                 // p dies (Kernel.Traps.cs)
            case StopReason.Halt: PrivilegedFault(p); break;     // only reachable at kernel privilege: user hlt is #GP (a Fault)
            case StopReason.InvalidOpcode: InvalidOpcode(p); break;
        }
    }

    // A write to a PTE_COW page: the last sharer takes the page back writable; anyone else gets a private copy.
    // False when the fault is anything else, or when there is no memory for the copy (then p dies of it).
    private bool CopyOnWriteFault(Process p, in MemoryFault f)
    {
        if (f.Kind != FaultKind.PageFault || f.Access != Access.Write || (f.ErrorCode & PageFaultError.Present) == 0
            || !CopyOnWrite(p, f.Address)) return false;
        Record(new(Cpu.InstructionCount, KernelEventKind.Fault, p.Pid,
            $"copy-on-write fault on 0x{f.Address:x} (pid {p.Pid}, write to a shared read-only page): the kernel copied the page")
        {
            Address = f.Address, Access = "write", ErrorCode = (uint)f.ErrorCode, Meaning = MemoryFault.Describe(f.ErrorCode), Handled = true,
        });
        return true;
    }

    private bool CopyOnWrite(Process p, ulong va)
    {
        if (va >= MemSizeVirtual) return false;
        var it = p.PageTable.Iter(va & ~(PageSize - 1));
        ulong e = it.Entry;
        if (!it.User || (e & PTE_COW) == 0) return false;
        ulong old = it.Pa, perm = ((e & MappingPerm) | PTE_W) & ~PTE_COW;
        CopyOnWriteFaults++;
        if (Frames.Info(old).RefCount == 1)
        {
            it.Map(old, perm);
        }
        else
        {
            if (!Frames.TryAllocate(FrameOwner.Process, p.Pid, out ulong copy)) return false;
            Memory.FrameSpan(old).CopyTo(Memory.FrameSpan(copy));
            it.Map(copy, perm);    // the leaf table exists, so this allocates nothing
            Frames.Free(old);
        }
        Tlb.Invlpg(va);
        return true;
    }

    // SYSCALL ENTRY: number in rax, arguments in rdi, rsi, result in rax (Machine/SyscallAbi.cs). Every argument is
    // untrusted: a bad one makes the call return -1 and changes nothing. The seams do the work.
    private void Syscall(Process p)
    {
        SyscallCount++;
        p.Syscalls++;
        ref var r = ref p.Registers;
        ulong a0 = r[Reg.Rdi], a1 = r[Reg.Rsi];
        long number = (long)r[Reg.Rax];
        using var watch = WatchOnBehalf(p);
        switch (number)
        {
            case SyscallAbi.Write: r[Reg.Rax] = SysWrite(p, a0, a1); break;
            case SyscallAbi.Exit: SysExit(p, a0); break;
            case SyscallAbi.GetPid: r[Reg.Rax] = (ulong)p.Pid; break;
            case SyscallAbi.Yield: r[Reg.Rax] = 0; Yield(); break;
            case SyscallAbi.PageAlloc: r[Reg.Rax] = Seams.PageAlloc.PageAlloc(this, p, a0); break;
            case SyscallAbi.Fork: r[Reg.Rax] = SysFork(p); break;
            case SyscallAbi.Spawn: r[Reg.Rax] = Seams.Spawn.Spawn(this, p, a0); break;
            case SyscallAbi.PipeWrite: r[Reg.Rax] = SysPipe(p, write: true, a0, a1); break;
            case SyscallAbi.PipeRead: r[Reg.Rax] = SysPipe(p, write: false, a0, a1); break;
            default: r[Reg.Rax] = Fail; break;
        }
        watch.Dispose();
        RecordSyscall(p, number, a0, a1);
    }

    /// <summary>write(buf, len): prints len bytes at buf. len ≤ MaxWrite; every byte must be user-readable in
    /// the caller's page table (a kernel address, an unmapped page, a wrap past the top: -1). Returns len.</summary>
    private ulong SysWrite(Process p, ulong buf, ulong len)
    {
        if (len > MaxWrite) return Fail;
        Span<byte> bytes = stackalloc byte[(int)len];
        if (!TryCopyFromUser(p, buf, bytes)) return Fail;
        Print(bytes);
        return len;
    }

    /// <summary>exit(status): ends the caller and frees every frame it owned (the exit seam), page tables included.</summary>
    private void SysExit(Process p, ulong status)
    {
        p.ExitStatus = (long)status;
        Terminate(p, ProcessState.Exited, null);
        Yield();
    }

    /// <summary>fork(): a copy of the caller: its memory by the fork seam, its registers and name. Returns the
    /// child's pid to the parent and 0 to the child; -1 when no slot or no memory is left.</summary>
    private ulong SysFork(Process parent)
    {
        int slot = FreeSlot();
        if (slot < 0) return Fail;
        var pt = Seams.Fork.ForkMemory(this, parent, slot);
        MappingsChanged();     // a copy-on-write fork changed the parent's table too
        if (pt is null) return Fail;
        var child = Install(slot, parent.Name, pt, parent.Pid, parent.Image);
        child.Registers = parent.Registers;
        child.Registers[Reg.Rax] = 0;
        return (ulong)child.Pid;
    }

    /// <summary>pipewrite/piperead(buf, len) by the pipe seam. A call that slept (<see cref="Block"/>) runs again
    /// when woken: it counts once.</summary>
    private ulong SysPipe(Process p, bool write, ulong buf, ulong len)
    {
        if (!p.Restarting) PipeSyscalls++;
        else SyscallCount--;     // the same call again after a sleep: not a new one
        p.Restarting = false;
        return write ? Seams.PipeKernel.Write(this, p, buf, len) : Seams.PipeKernel.Read(this, p, buf, len);
    }

    // SCHEDULE: round robin, the slot after the current one that can run, the current one last.
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

    // run(p): a context switch loads p's page table into CR3 (flushing the TLB) and its registers into the CPU.
    private void Dispatch(Process p)
    {
        if (p.Pid != _current || _switchPending)
        {
            ContextSwitches++;
            if (TraceEnabled || RecordEvents) Record(new(Cpu.InstructionCount, KernelEventKind.Switch, p.Pid, $"switch to pid {p.Pid} ({p.Name}), cr3=0x{p.PageTable.Root:x}"));
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

    // PROCESS TABLE

    private int FreeSlot()
    {
        for (int s = 1; s < NProc; s++)
            if (_slots[s] is null) return s;
        return -1;
    }

    private Process Install(int slot, string name, PageTable pt, int parent, ProgramImage? image)
    {
        var p = new Process(slot, name, pt, parent) { State = ProcessState.Runnable, HistoryIndex = (int)Math.Min(ProcessesCreated, int.MaxValue), Image = image };
        _slots[slot] = p;
        ProcessTableVersion++;
        ProcessesCreated++;
        if (_history.Count < HistoryLimit) _history.Add(p);
        return p;
    }

    // The end of a process, by exit or by a fault: the exit seam gives back its memory, the slot is free again.
    private void Terminate(Process p, ProcessState state, string? reason)
    {
        Seams.Exit.FreeProcess(this, p);
        p.State = state;
        p.KillReason = reason;
        if (state == ProcessState.Killed) FirstKilled ??= p;
        if (_recentEnded.Count == RecentEnded) _recentEnded.Dequeue();
        _recentEnded.Enqueue(p);
        _slots[p.Pid] = null;
        ProcessTableVersion++;
        if (p.Pid == _current) _switchPending = true;
        MappingsChanged();
    }

    private const int ConsoleLimit = 1 << 20;    // keep a hostile printer from eating the host

    private void Print(ReadOnlySpan<byte> bytes)
    {
        if (_console.Length < ConsoleLimit) _console.Append(Encoding.Latin1.GetString(bytes));
    }
}

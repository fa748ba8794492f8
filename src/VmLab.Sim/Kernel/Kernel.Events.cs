using VmLab.Sim.Cpu;
using VmLab.Sim.Machine;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

/// <summary>What kind of thing the kernel did or saw.</summary>
public enum KernelEventKind : byte
{
    /// <summary>
    /// A process made a system call (trapped with the syscall instruction); <see cref="KernelEvent.Syscall"/> names it.
    /// </summary>
    Syscall,
    /// <summary>
    /// A process faulted (#PF, #GP, #DE...): fixed by the kernel (copy-on-write) or fatal to the process.
    /// </summary>
    Fault,
    /// <summary>The scheduler gave the CPU to another process and loaded its page table into CR3.</summary>
    Switch,
    /// <summary>A process called exit; every frame it owned is free again.</summary>
    Exit,
    /// <summary>The memory checker found a broken invariant (a leak, a shared writable frame...); Pid is 0.</summary>
    CheckerError,
    /// <summary>The timer interrupted a process (traced only: too many to keep as events).</summary>
    Timer,
    /// <summary>A process went to sleep in a syscall (traced only).</summary>
    Sleep,
}

/// <summary>
/// One kernel event, structured; its <see cref="Text"/> is the trace log's line. <see cref="Step"/> is the
/// instruction count when it happened. Faults carry the address, the access, the #PF error code and its
/// meaning, and whether the kernel fixed it (copy-on-write) or killed the process.
/// </summary>
public sealed record KernelEvent(long Step, KernelEventKind Kind, int Pid, string Text)
{
    private string? _text = Text;
    private readonly (ulong A0, ulong A1, long Result, bool Returned) _call;

    // A syscall event whose line is written when first read: a syscall-heavy run records hundreds of thousands of
    // events a second, and all but the last few thousand are dropped unread.
    internal KernelEvent(long step, int pid, string name, ulong a0, ulong a1, long result, bool returned)
        : this(step, KernelEventKind.Syscall, pid, null!)
    {
        Syscall = name;
        _call = (a0, a1, result, returned);
    }

    /// <summary>The event as the trace log's line ("pid 1 getpid(0x0, 0x0) = 1").</summary>
    public string Text
    {
        get => _text ??= $"pid {Pid} {Syscall}(0x{_call.A0:x}, 0x{_call.A1:x}) = {(_call.Returned ? _call.Result.ToString() : "-")}";
        init => _text = value;
    }

    /// <summary>For a syscall event, the call's name ("fork", "page_alloc"...); null otherwise.</summary>
    public string? Syscall { get; init; }
    /// <summary>For a fault event, the faulting virtual address (CR2 for a page fault); null otherwise.</summary>
    public ulong? Address { get; init; }
    /// <summary>For a fault event, "read", "write" or "fetch" (<see cref="Kernel.AccessWord"/>); null otherwise.</summary>
    public string? Access { get; init; }
    /// <summary>
    /// For a page fault, the #PF error code (bits P, W/R, U/S, RSVD, I/D); null for other events and other faults.
    /// </summary>
    public uint? ErrorCode { get; init; }
    /// <summary>For a page fault, the error code in words ("protection violation, write, user"); null otherwise.</summary>
    public string? Meaning { get; init; }
    /// <summary>
    /// For a syscall handed an address in the kernel's half that is another process's frame (seed 003 G1's confused
    /// deputy: eve's page_alloc given alice's page table), what that frame is and what the kernel did with it; null
    /// otherwise.
    /// </summary>
    public string? Deputy { get; init; }
    /// <summary>
    /// For a fault event, true when the kernel fixed it and the process went on (copy-on-write), false when it killed
    /// the process.
    /// </summary>
    public bool? Handled { get; init; }
}

// THE ONE WAY AN EVENT IS RECORDED: Record puts it in the trace (with TraceEnabled) and among the events (with
// RecordEvents); nothing else writes either.
public sealed partial class Kernel
{
    /// <summary>How many recent events <see cref="Events"/> keeps; older ones are dropped (counted in <see cref="EventCount"/>).</summary>
    internal const int EventCapacity = 4096;

    private const int TraceCapacity = 5000;

    private readonly Queue<KernelEvent> _events = new();
    private readonly Dictionary<Process, Dictionary<string, long>> _syscallsByName = [];

    /// <summary>When set, the kernel records structured events (<see cref="Events"/>). Off by default: scenarios
    /// run by the CLI do not pay for them.</summary>
    internal bool RecordEvents { get; set; }

    /// <summary>When set, <see cref="Run"/> returns as soon as an event has been recorded.</summary>
    internal bool StopAtEvent { get; set; }

    /// <summary>The most recent events, oldest first (at most <see cref="EventCapacity"/>).</summary>
    internal IReadOnlyCollection<KernelEvent> Events => _events;

    /// <summary>Events recorded since boot, including those no longer kept.</summary>
    internal long EventCount { get; private set; }

    /// <summary>When set, every event's text goes to <see cref="TraceLog"/>, timer interrupts and sleeps too.</summary>
    internal bool TraceEnabled { get; set; }

    /// <summary>The first 5000 events of a traced run, one line each: "[step] text".</summary>
    internal List<string> TraceLog { get; } = [];

    /// <summary>A live process's syscalls by name (recorded with <see cref="RecordEvents"/>).</summary>
    internal IReadOnlyDictionary<string, long> SyscallsByName(Process p) =>
        _syscallsByName.TryGetValue(p, out var counts) ? counts : new Dictionary<string, long>();

    /// <summary>read, write or fetch: how JSON and the kernel's messages name an access.</summary>
    internal static string AccessWord(Access access) => access switch { Access.Write => "write", Access.Fetch => "fetch", _ => "read" };

    private void Record(KernelEvent e)
    {
        if (TraceEnabled && TraceLog.Count < TraceCapacity) TraceLog.Add($"[{e.Step,10}] {e.Text}");
        if (!RecordEvents || e.Kind is KernelEventKind.Timer or KernelEventKind.Sleep) return;
        EventCount++;
        if (_events.Count == EventCapacity) _events.Dequeue();
        _events.Enqueue(e);
    }

    // THE DEPUTY: during a system call the kernel acts for the caller. Every frame it writes or reads in bulk then
    // (PhysicalMemory.Touch) and every frame an argument names (through the identity map below PROC_START_ADDR, or
    // through the caller's page table above it) is checked: one that belongs to another process that was there
    // before the call (not shared with the caller: one reference), or a kernel page table an argument names, is
    // memory the caller had no right to have touched. The event is marked, and checker findings point at it.
    private readonly List<(ulong Frame, bool Write)> _touched = [];
    private ulong _aliveAtEntry;
    private Action<ulong, bool>? _touch;

    private readonly struct DeputyWatch(Kernel? k) : IDisposable
    {
        public void Dispose()
        {
            if (k is not null) k.Memory.Touch = null;
        }
    }

    private DeputyWatch WatchOnBehalf(Process p)
    {
        _touched.Clear();
        if (!RecordEvents && !TraceEnabled) return default;
        _aliveAtEntry = 0;
        foreach (var q in _slots) if (q is { Alive: true }) _aliveAtEntry |= 1UL << q.Pid;
        Memory.Touch = _touch ??= (frame, write) =>
        {
            // A copy touches one frame thousands of times in a row: keep runs once, and a bounded few in all.
            if (_touched.Count < 64 && (_touched.Count == 0 || _touched[^1] != (frame, write))) _touched.Add((frame, write));
        };
        return new DeputyWatch(this);
    }

    private string? Deputy(Process p, string name, ReadOnlySpan<ulong> args, long rax)
    {
        if (_touched.Count > 0)
            foreach (var (frame, write) in _touched.Distinct().OrderByDescending(t => t.Write))
                if (Foreign(p, frame, kernelTables: false) is { } whose)
                    return $"confused deputy: in {name}, acting for pid {p.Pid}, the kernel {(write ? "wrote" : "read")} 0x{frame:x}: {whose}";
        for (int i = 0; i < args.Length; i++)
        {
            if (Named(p, args[i]) is not { } frame || Foreign(p, frame, kernelTables: args[i] < KernelLayout.ProcStartAddr) is not { } whose) continue;
            string arg = $"argument {i + 1} (0x{args[i]:x})";
            string result = p.Alive ? rax.ToString() : "-";
            return result == "-1"
                ? $"{arg} names {whose}: the kernel, asked by pid {p.Pid}, refused (-1)"
                : $"confused deputy: {arg} names {whose}, and the kernel, acting for pid {p.Pid}, obeyed ({result})";
        }
        return null;
    }

    // The frame an argument names: below PROC_START_ADDR the identity map's (a user program has no reason to pass
    // such an address), above it what the caller's page table maps there; null for anything else.
    private ulong? Named(Process p, ulong arg)
    {
        if (arg >= KernelLayout.PageSize && arg < KernelLayout.ProcStartAddr && arg % KernelLayout.PageSize == 0) return arg;
        if (arg < KernelLayout.ProcStartAddr || arg >= KernelLayout.MemSizeVirtual) return null;
        var it = p.PageTable.Iter(arg & ~(KernelLayout.PageSize - 1));
        return it.Present && it.Pa < Memory.Size ? it.Pa & ~(KernelLayout.PageSize - 1) : null;
    }

    // "pid 1 (alice)'s page table (its PML4)" when the frame is not the caller's to touch; null when it is.
    private string? Foreign(Process p, ulong frame, bool kernelTables)
    {
        if (frame >= Memory.Size) return null;
        var info = Frames.Info(frame);
        if (info.Owner == VmLab.Sim.Memory.FrameOwner.PageTable && info.Pid == 0)
            return kernelTables ? $"a page of kernel_pagetable{(frame == KernelPageTable.Root ? " (its PML4)" : "")}" : null;
        if (info.Pid == 0 || info.Pid == p.Pid || info.RefCount > 1 || (_aliveAtEntry & (1UL << info.Pid)) == 0
            || info.Owner is not (VmLab.Sim.Memory.FrameOwner.PageTable or VmLab.Sim.Memory.FrameOwner.Process)) return null;
        string what = info.Owner == VmLab.Sim.Memory.FrameOwner.PageTable ? (KernelPageTableRootOf(info.Pid) == frame ? "page table (its PML4)" : "page-table page") : "page";
        string owner = Find(info.Pid) is { } victim ? $"pid {info.Pid} ({victim.Name})" : $"pid {info.Pid}";
        return $"{owner}'s {what}";
    }

    private ulong KernelPageTableRootOf(int pid) => Find(pid)?.PageTable.Root ?? 0;

    // A syscall seen from outside: its arguments, its result (or the caller's end), and an exit if it was one.
    private void RecordSyscall(Process p, long number, ulong a0, ulong a1)
    {
        if (!RecordEvents && !TraceEnabled) return;
        string name = SyscallAbi.Name(number);
        long rax = (long)p.Registers[Reg.Rax];
        Record(new(Cpu.InstructionCount, p.Pid, name, a0, a1, rax, p.Alive) { Deputy = Deputy(p, name, [a0, a1], rax) });
        if (p.State == ProcessState.Exited)
            Record(new(Cpu.InstructionCount, KernelEventKind.Exit, p.Pid, $"pid {p.Pid} ({p.Name}) exited with status {p.ExitStatus}"));
        if (!RecordEvents) return;
        if (!p.Alive)
        {
            _syscallsByName.Remove(p);
            return;
        }
        if (!_syscallsByName.TryGetValue(p, out var counts)) _syscallsByName[p] = counts = [];
        counts[name] = counts.GetValueOrDefault(name) + 1;
    }
}

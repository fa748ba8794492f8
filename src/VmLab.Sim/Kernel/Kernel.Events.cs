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

    // A user program never has a reason to pass an address below PROC_START_ADDR: there it names a physical frame
    // through the kernel's identity map. When that frame is another process's, the caller is asking the kernel to
    // act on memory that is not its own.
    private string? Deputy(Process p, ulong address, string result)
    {
        if (address < KernelLayout.PageSize || address >= KernelLayout.ProcStartAddr || address % KernelLayout.PageSize != 0) return null;
        var info = Frames.Info(address);
        if (info.Pid == 0 || info.Pid == p.Pid || info.Owner is not (VmLab.Sim.Memory.FrameOwner.PageTable or VmLab.Sim.Memory.FrameOwner.Process)) return null;
        string what = info.Owner == VmLab.Sim.Memory.FrameOwner.PageTable ? (KernelPageTableRootOf(info.Pid) == address ? "page table (its PML4)" : "page-table page") : "page";
        string owner = Find(info.Pid) is { } victim ? $"pid {info.Pid} ({victim.Name})" : $"pid {info.Pid}";
        return result == "0"
            ? $"confused deputy: 0x{address:x} is {owner}'s {what}, and the kernel, acting for pid {p.Pid}, obeyed"
            : $"0x{address:x} is {owner}'s {what}: the kernel, asked by pid {p.Pid}, refused ({result})";
    }

    private ulong KernelPageTableRootOf(int pid) => Find(pid)?.PageTable.Root ?? 0;

    // A syscall seen from outside: its arguments, its result (or the caller's end), and an exit if it was one.
    private void RecordSyscall(Process p, long number, ulong a0, ulong a1)
    {
        if (!RecordEvents && !TraceEnabled) return;
        string name = SyscallAbi.Name(number);
        string result = p.Alive ? ((long)p.Registers[Reg.Rax]).ToString() : "-";
        Record(new(Cpu.InstructionCount, KernelEventKind.Syscall, p.Pid, $"pid {p.Pid} {name}(0x{a0:x}, 0x{a1:x}) = {result}")
        {
            Syscall = name, Deputy = Deputy(p, a0, result),
        });
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

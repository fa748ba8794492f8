using VmLab.Sim.Cpu;
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
}

/// <summary>
/// One kernel event, structured (the trace log's lines are text for people). <see cref="Step"/> is the
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
    /// For a fault event, true when the kernel fixed it and the process went on (copy-on-write), false when it killed
    /// the process.
    /// </summary>
    public bool? Handled { get; init; }
}

public sealed partial class Kernel
{
    /// <summary>How many recent events <see cref="Events"/> keeps; older ones are dropped (counted in <see cref="EventCount"/>).</summary>
    public const int EventCapacity = 4096;

    private readonly Queue<KernelEvent> _events = new();
    private readonly Dictionary<Process, Dictionary<string, long>> _syscallsByName = [];

    /// <summary>When set, the kernel records structured events (<see cref="Events"/>). Off by default: scenarios
    /// run by the CLI do not pay for them.</summary>
    public bool RecordEvents { get; set; }

    /// <summary>When set, <see cref="Run"/> returns as soon as an event has been recorded.</summary>
    public bool StopAtEvent { get; set; }

    /// <summary>The most recent events, oldest first (at most <see cref="EventCapacity"/>).</summary>
    public IReadOnlyCollection<KernelEvent> Events => _events;

    /// <summary>Events recorded since boot, including those no longer kept.</summary>
    public long EventCount { get; private set; }

    private void Note(KernelEvent e)
    {
        if (!RecordEvents) return;
        EventCount++;
        if (_events.Count == EventCapacity) _events.Dequeue();
        _events.Enqueue(e);
    }

    /// <summary>A live process's syscalls by name (recorded with <see cref="RecordEvents"/>).</summary>
    public IReadOnlyDictionary<string, long> SyscallsByName(Process p) =>
        _syscallsByName.TryGetValue(p, out var counts) ? counts : new Dictionary<string, long>();

    private void NoteSwitch(Process p) =>
        Note(new(Cpu.InstructionCount, KernelEventKind.Switch, p.Pid, $"switch to pid {p.Pid} ({p.Name}), cr3=0x{p.PageTable.Root:x}"));

    // The syscall entry seen from outside: its arguments before, its result (or the caller's end) after.
    private void SyscallTrap(Process p)
    {
        long number = (long)p.Registers[Reg.Rax];
        ulong a0 = p.Registers[Reg.Rdi], a1 = p.Registers[Reg.Rsi];
        Syscall(p);
        if (!RecordEvents) return;
        string name = SyscallName(number);
        if (!_syscallsByName.TryGetValue(p, out var counts)) _syscallsByName[p] = counts = [];
        counts[name] = counts.GetValueOrDefault(name) + 1;
        string result = p.Alive ? ((long)p.Registers[Reg.Rax]).ToString() : "-";
        Note(new(Cpu.InstructionCount, KernelEventKind.Syscall, p.Pid, $"pid {p.Pid} {name}(0x{a0:x}, 0x{a1:x}) = {result}") { Syscall = name });
        if (!p.Alive) _syscallsByName.Remove(p);
        if (p.State == ProcessState.Exited)
            Note(new(Cpu.InstructionCount, KernelEventKind.Exit, p.Pid, $"pid {p.Pid} ({p.Name}) exited with status {p.ExitStatus}"));
    }

    // Only a page fault has an error code; the other faults are explained by their text.
    private void NoteFault(Process p, ulong address, string access, uint? pageFaultError, bool handled, string text) =>
        Note(new(Cpu.InstructionCount, KernelEventKind.Fault, p.Pid, text)
        {
            Address = address,
            Access = access,
            ErrorCode = pageFaultError,
            Meaning = pageFaultError is { } e ? MemoryFault.Describe((PageFaultError)e) : null,
            Handled = handled,
        });

    private void NoteCheckerError(string error) =>
        Note(new(Cpu.InstructionCount, KernelEventKind.CheckerError, 0, error));

    /// <summary>read, write or fetch: how JSON and the kernel's messages name an access.</summary>
    public static string AccessWord(Access access) => access switch { Access.Write => "write", Access.Fetch => "fetch", _ => "read" };
}

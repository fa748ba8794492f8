using L = VmLab.Sim.Machine.MachineLayout;

namespace VmLab.Sim.Kernel;

/// <summary>
/// The machine's layout as the kernel and its seams name it (<c>using static VmLab.Sim.Kernel.KernelLayout;</c> in
/// every lab stub). Each constant is <see cref="Machine.MachineLayout"/>'s, which documents the map.
/// </summary>
public static class KernelLayout
{
    /// <summary>4096: the x86-64 base page (WeensyOS PAGESIZE).</summary>
    public const ulong PageSize = L.PageSize;
    /// <summary>2 MiB of physical memory (WeensyOS MEMSIZE_PHYSICAL).</summary>
    public const ulong MemSizePhysical = L.MemSizePhysical;
    /// <summary>3 MiB: the end of every process's address space (WeensyOS MEMSIZE_VIRTUAL); the stack ends here.</summary>
    public const ulong MemSizeVirtual = L.MemSizeVirtual;
    /// <summary>Start of the kernel image (WeensyOS KERNEL_START_ADDR).</summary>
    public const ulong KernelStartAddr = L.KernelStartAddr;
    /// <summary>Top of the kernel stack and end of the kernel's reserved frames (WeensyOS KERNEL_STACK_TOP).</summary>
    public const ulong KernelStackTop = L.KernelStackTop;
    /// <summary>Start of the reserved I/O hole (0xA0000-0x100000, BIOS and video memory).</summary>
    public const ulong IoHoleStart = L.IoHoleStart;
    /// <summary>The CGA console page (WeensyOS CONSOLE_ADDR), user-writable in every page table.</summary>
    public const ulong ConsoleAddr = L.ConsoleAddr;
    /// <summary>Where process code is loaded (WeensyOS PROC_START_ADDR): the start of each process's private half.</summary>
    public const ulong ProcStartAddr = L.ProcStartAddr;
    /// <summary>The virtual page of every process's stack, just below MEMSIZE_VIRTUAL.</summary>
    public const ulong StackPage = L.StackPage;
    /// <summary>The lowest address the user stack grows down to on demand (1 MiB of stack).</summary>
    public const ulong StackLimit = L.StackLimit;
    /// <summary>The page under <see cref="StackLimit"/>: a fault there near rsp is a stack overflow.</summary>
    public const ulong StackGuardPage = L.StackGuardPage;
    /// <summary>Where the kernel's syscall entry point sits in the kernel image (for the inspect exercise).</summary>
    public const ulong SyscallEntry = L.SyscallEntry;
    /// <summary>Process slots, slot 0 unused (WeensyOS NPROC): at most 15 processes at once.</summary>
    public const int NProc = L.NProc;
    /// <summary>Longest console write a process may ask for, in bytes.</summary>
    public const ulong MaxWrite = L.MaxWrite;
    /// <summary>Longest program name spawn reads from user memory, NUL included.</summary>
    public const int MaxName = L.MaxName;

    /// <summary>True for a page-aligned address a process may own: [PROC_START_ADDR, MEMSIZE_VIRTUAL).</summary>
    public static bool IsUserPage(ulong va) => L.IsUserPage(va);

    // The handout's own spellings (WeensyOS's x86-64.h and kernel.hh), so that code written from seed 003 or from a
    // stub's comments compiles as written: each is the constant above under its C name.
#pragma warning disable CA1707, IDE1006   // C names, on purpose
    /// <summary>WeensyOS PAGESIZE: <see cref="PageSize"/>.</summary>
    public const ulong PAGESIZE = PageSize;
    /// <summary>WeensyOS MEMSIZE_PHYSICAL: <see cref="MemSizePhysical"/>.</summary>
    public const ulong MEMSIZE_PHYSICAL = MemSizePhysical;
    /// <summary>WeensyOS MEMSIZE_VIRTUAL: <see cref="MemSizeVirtual"/>.</summary>
    public const ulong MEMSIZE_VIRTUAL = MemSizeVirtual;
    /// <summary>WeensyOS KERNEL_START_ADDR: <see cref="KernelStartAddr"/>.</summary>
    public const ulong KERNEL_START_ADDR = KernelStartAddr;
    /// <summary>WeensyOS KERNEL_STACK_TOP: <see cref="KernelStackTop"/>.</summary>
    public const ulong KERNEL_STACK_TOP = KernelStackTop;
    /// <summary>WeensyOS CONSOLE_ADDR: <see cref="ConsoleAddr"/>.</summary>
    public const ulong CONSOLE_ADDR = ConsoleAddr;
    /// <summary>WeensyOS PROC_START_ADDR: <see cref="ProcStartAddr"/>.</summary>
    public const ulong PROC_START_ADDR = ProcStartAddr;
    /// <summary>WeensyOS NPROC: <see cref="NProc"/>.</summary>
    public const int NPROC = NProc;
#pragma warning restore CA1707, IDE1006
}

namespace VmLab.Sim.Machine;

/// <summary>
/// The machine's memory layout, WeensyOS-style (kernel.hh / lib.hh names). It sits on the ground floor so the ELF
/// loader, the CPU's helpers and the kernel all read one copy; kernel code and lab stubs name it
/// <c>VmLab.Sim.Kernel.KernelLayout</c>, which forwards here.
/// <code>
/// Physical memory (MEMSIZE_PHYSICAL = 2 MiB), and the kernel page table's identity map of it:
///
///   0x000000  +------------------+  null page: reserved, never mapped (so *nullptr faults)
///   0x001000  |  free frames     |  page tables, process pages (kernel_pagetable lands at 0x1000)
///   0x040000  +------------------+  KERNEL_START_ADDR: the kernel image (its code is C#; these frames stand
///             |  kernel          |  for its text, data and stack). syscall_entry = 0x40ad0.  P|W, no U
///   0x080000  +------------------+  KERNEL_STACK_TOP
///             |  free frames     |
///   0x0a0000  +------------------+  I/O hole (VGA, ROM): reserved            P|W, no U
///   0x0b8000  |  CONSOLE         |  CGA console page: the one kernel-half page users may write  P|W|U
///   0x100000  +------------------+  PROC_START_ADDR
///             |  free frames     |
///   0x200000  +------------------+  MEMSIZE_PHYSICAL
///
/// A process's virtual memory (its own page table; [0, PROC_START_ADDR) copied from kernel_pagetable):
///
///   0x000000  kernel half: same frames, same permissions as the kernel's (supervisor-only, console user)
///   0x100000  PROC_START_ADDR: .text (P|U, read-only), then .data and .bss pages (P|W|U|NX)
///   ........  heap: pages the process asks for with page_alloc(va)
///   0x2ff000  stack page (P|W|U|NX); rsp starts at MEMSIZE_VIRTUAL
///   0x300000  MEMSIZE_VIRTUAL: nothing at or above it is ever mapped for a process
/// </code>
/// </summary>
public static class MachineLayout
{
    /// <summary>4096: the x86-64 base page (WeensyOS PAGESIZE).</summary>
    public const ulong PageSize = 0x1000;
    /// <summary>2 MiB of physical memory (WeensyOS MEMSIZE_PHYSICAL).</summary>
    public const ulong MemSizePhysical = 0x200000;
    /// <summary>3 MiB: the end of every process's address space (WeensyOS MEMSIZE_VIRTUAL); the stack ends here.</summary>
    public const ulong MemSizeVirtual = 0x300000;
    /// <summary>Start of the kernel image (WeensyOS KERNEL_START_ADDR).</summary>
    public const ulong KernelStartAddr = 0x40000;
    /// <summary>Top of the kernel stack and end of the kernel's reserved frames (WeensyOS KERNEL_STACK_TOP).</summary>
    public const ulong KernelStackTop = 0x80000;
    /// <summary>Start of the reserved I/O hole (0xA0000-0x100000, BIOS and video memory).</summary>
    public const ulong IoHoleStart = 0xA0000;
    /// <summary>The CGA console page (WeensyOS CONSOLE_ADDR), user-writable in every page table.</summary>
    public const ulong ConsoleAddr = 0xB8000;
    /// <summary>
    /// Where process code is loaded (WeensyOS PROC_START_ADDR): the start of each process's private half.
    /// </summary>
    public const ulong ProcStartAddr = 0x100000;
    /// <summary>The virtual page of every process's stack, just below MEMSIZE_VIRTUAL.</summary>
    public const ulong StackPage = MemSizeVirtual - PageSize;
    /// <summary>The lowest address the user stack may grow down to (1 MiB below MEMSIZE_VIRTUAL): the kernel maps
    /// a fresh page when a process touches an unmapped page in [StackLimit, StackPage) at or above its rsp - 128.</summary>
    public const ulong StackLimit = MemSizeVirtual - 0x100000;
    /// <summary>The guard page under the stack's limit: touching it near rsp is a stack overflow.</summary>
    public const ulong StackGuardPage = StackLimit - PageSize;

    /// <summary>Where the kernel's syscall entry point sits in the kernel image (for the inspect exercise).</summary>
    public const ulong SyscallEntry = 0x40AD0;

    /// <summary>Process slots, slot 0 unused (WeensyOS NPROC): at most 15 processes at once.</summary>
    public const int NProc = 16;

    /// <summary>Longest console write a process may ask for, in bytes.</summary>
    public const ulong MaxWrite = 4096;

    /// <summary>Longest program name spawn reads from user memory, NUL included.</summary>
    public const int MaxName = 32;

    /// <summary>True for a page-aligned address a process may own: [PROC_START_ADDR, MEMSIZE_VIRTUAL).</summary>
    public static bool IsUserPage(ulong va) => va % PageSize == 0 && va >= ProcStartAddr && va < MemSizeVirtual;
}

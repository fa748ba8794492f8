using VmLab.Sim.Cpu;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

// THE SEAMS' API: everything a seam (a lab exercise, a teaching variant) may call on the kernel it is given, and
// nothing else is public. The lab stubs name these members; changing one breaks every student's code.
public sealed partial class Kernel
{
    /// <summary>-1 as a syscall result.</summary>
    public const ulong Fail = ulong.MaxValue;

    /// <summary>Software bit 9 (ignored by the MMU): this read-only page is writable copy-on-write.</summary>
    public const ulong PTE_COW = 1UL << 9;

    /// <summary>The permission bits a mapping copies (P, W, U, NX, COW); A and D belong to the walk that set them.</summary>
    public const ulong MappingPerm = PTE_P | PTE_W | PTE_U | PTE_NX | PTE_COW;

    /// <summary>Bytes the kernel pipe holds.</summary>
    public const int PipeSize = 256;

    // The x86-64 syscall instruction (0f 05): how far back a blocked call's rip goes to run it again.
    private const ulong SyscallLength = 2;

    /// <summary>The machine's physical memory, MEMSIZE_PHYSICAL (2 MiB) bytes.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The physical page allocator (kalloc/kfree, reference counts): who owns every frame.</summary>
    public FrameAllocator Frames { get; }

    /// <summary>The one CPU's TLB: a seam that changes a live mapping of the running process calls Invlpg.</summary>
    public Tlb Tlb { get; }

    /// <summary>
    /// The one pipe pipewrite and piperead share (<see cref="PipeSize"/> bytes): Count, Space, Push, Pop.
    /// </summary>
    public PipeRing Pipe { get; } = new();

    /// <summary>An empty table for pid with [0, PROC_START_ADDR) mapped exactly as kernel_pagetable maps it.
    /// Null when memory runs out.</summary>
    public PageTable? NewPageTable(int pid)
    {
        if (!Frames.TryAllocate(FrameOwner.PageTable, pid, out ulong root)) return null;
        var pt = new PageTable(Memory, Frames, root, pid);
        var dst = pt.Iter();
        for (var src = KernelPageTable.Iter(); src.Va < ProcStartAddr; src.Next())
            if (src.Present && !dst.Find(src.Va).TryMap(src.Pa, src.Perm & MappingPerm))
                return Abandon(pt);
        return pt;
    }

    /// <summary>Maps a new zeroed frame owned by the table's process at va and copies bytes into it. False
    /// when memory runs out; then nothing changed.</summary>
    public bool MapFresh(PageTable pt, ulong va, ulong perm, ReadOnlySpan<byte> bytes)
    {
        if (!Frames.TryAllocate(FrameOwner.Process, pt.Pid, out ulong pa)) return false;
        if (!pt.Iter(va).TryMap(pa, perm))
        {
            Frames.Free(pa);
            return false;
        }
        if (!bytes.IsEmpty) Memory.Write(pa, bytes);
        return true;
    }

    /// <summary>Gives back a partly built table with free_everything; returns null for "out of memory".</summary>
    public PageTable? Abandon(PageTable pt)
    {
        Seams.FreeEverything.FreeEverything(this, pt);
        return null;
    }

    // USER MEMORY, seen through the process's own page table with user permissions

    /// <summary>True when every byte of [va, va+len) is below MEMSIZE_VIRTUAL and mapped P|U in p's page
    /// table: what the CPU would let p read.</summary>
    public bool UserReadable(Process p, ulong va, ulong len) =>
        va < MemSizeVirtual && len <= MemSizeVirtual - va && (len == 0 || p.PageTable.Iter(va).RangePerm(len, PTE_P | PTE_U));

    /// <summary>True when p may write every byte of [va, va+len). Copy-on-write pages in the range get their
    /// private copy first, exactly as if p had written them itself (false when a copy cannot be had).</summary>
    public bool UserWritable(Process p, ulong va, ulong len)
    {
        if (va >= MemSizeVirtual || len > MemSizeVirtual - va) return false;
        for (ulong page = va & ~(PageSize - 1); page < va + len; page += PageSize)
        {
            var it = p.PageTable.Iter(page);
            if (it.User && (it.Entry & PTE_COW) != 0 && !CopyOnWrite(p, page)) return false;
        }
        return len == 0 || p.PageTable.Iter(va).RangePerm(len, PTE_P | PTE_W | PTE_U);
    }

    /// <summary>Copies user memory at va into dst if every byte is mapped P|U in p's page table (what the
    /// CPU would allow p to read). False, with nothing read, otherwise.</summary>
    public bool TryCopyFromUser(Process p, ulong va, Span<byte> dst)
    {
        if (!UserReadable(p, va, (ulong)dst.Length)) return false;
        var it = p.PageTable.Iter(va);
        while (!dst.IsEmpty)
        {
            int n = (int)Math.Min((ulong)dst.Length, PageSize - (va & (PageSize - 1)));
            Memory.Read(it.Find(va).Pa, dst[..n]);
            dst = dst[n..];
            va += (ulong)n;
        }
        return true;
    }

    /// <summary>Copies src to user memory at va if p may write all of it (see <see cref="UserWritable"/>).
    /// False, with nothing written, otherwise.</summary>
    public bool TryCopyToUser(Process p, ulong va, ReadOnlySpan<byte> src)
    {
        if (!UserWritable(p, va, (ulong)src.Length)) return false;
        var it = p.PageTable.Iter(va);
        for (int i = 0; i < src.Length; i++)
            Memory.WriteByte(it.Find(va + (ulong)i).Pa, src[i]);
        return true;
    }

    // SLEEP, WAKE, YIELD, START

    /// <summary>Puts p to sleep inside its syscall: rip is rewound so the same call runs again once
    /// <see cref="WakeAll"/> makes p runnable. Return its result from the syscall.</summary>
    public ulong Block(Process p)
    {
        p.Registers.Rip -= SyscallLength;
        p.Restarting = true;
        p.State = ProcessState.Blocked;
        _resume = false;
        Record(new(Cpu.InstructionCount, KernelEventKind.Sleep, p.Pid, $"pid {p.Pid} blocks on the pipe"));
        return p.Registers[Reg.Rax];        // rax keeps the syscall number for the restart
    }

    /// <summary>Makes every blocked process runnable; true if there was one.</summary>
    public bool WakeAll()
    {
        bool any = false;
        foreach (var q in LiveProcesses)
            if (q.State == ProcessState.Blocked)
            {
                q.State = ProcessState.Runnable;
                any = true;
            }
        return any;
    }

    /// <summary>Ends the caller's turn when this syscall returns: the scheduler picks the next process.</summary>
    public void Yield() => _resume = false;

    /// <summary>Starts the program called name (see <see cref="Elf.ElfPrograms"/>) as a child of parent. Returns its
    /// pid, or -1 when the name is unknown, no slot is free, or memory ran out.</summary>
    public int StartProgram(string name, Process parent) => Spawn(name, 0, parent.Pid);
}

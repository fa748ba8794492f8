using VmLab.Sim.Cpu;
using VmLab.Sim.Machine;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    /// <summary>-1 as a syscall result.</summary>
    public const ulong Fail = ulong.MaxValue;

    // The syscall entry: number in rax, arguments in rdi, rsi, rdx, result in rax. Every argument is
    // untrusted: a bad one makes the call return -1 and changes nothing. The seams do the work.
    private void Syscall(Process p)
    {
        SyscallCount++;
        p.Syscalls++;
        ref var r = ref p.Registers;
        ulong a0 = r[Reg.Rdi], a1 = r[Reg.Rsi];
        long number = (long)r[Reg.Rax];
        switch (number)
        {
            case SyscallAbi.Write: r[Reg.Rax] = SysWrite(p, a0, a1); break;
            case SyscallAbi.Exit: SysExit(p, a0); break;
            case SyscallAbi.GetPid: r[Reg.Rax] = (ulong)p.Pid; break;
            case SyscallAbi.Yield: r[Reg.Rax] = 0; Yield(); break;
            case SyscallAbi.PageAlloc: r[Reg.Rax] = Seams.PageAlloc.PageAlloc(this, p, a0); break;
            case SyscallAbi.Fork: r[Reg.Rax] = SysFork(p); break;
            case SyscallAbi.Spawn: r[Reg.Rax] = Seams.Spawn.Spawn(this, p, a0); break;
            case SyscallAbi.PipeWrite: r[Reg.Rax] = PipeCall(p, write: true, a0, a1); break;
            case SyscallAbi.PipeRead: r[Reg.Rax] = PipeCall(p, write: false, a0, a1); break;
            default: r[Reg.Rax] = Fail; break;
        }
        if (TraceEnabled)
            Log($"pid {p.Pid} syscall {SyscallName(number)}(0x{a0:x}, 0x{a1:x}) = {(p.Alive ? ((long)r[Reg.Rax]).ToString() : "-")}");
    }

    private static string SyscallName(long number) => number switch
    {
        SyscallAbi.Write => "write",
        SyscallAbi.Exit => "exit",
        SyscallAbi.GetPid => "getpid",
        SyscallAbi.Yield => "yield",
        SyscallAbi.PageAlloc => "page_alloc",
        SyscallAbi.Fork => "fork",
        SyscallAbi.Spawn => "spawn",
        SyscallAbi.PipeWrite => "pipewrite",
        SyscallAbi.PipeRead => "piperead",
        _ => $"#{number}",
    };

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

    /// <summary>page_alloc(va) by the seam; a new mapping in the running address space is followed by INVLPG of
    /// that page, as on hardware (a TLB may hold a "not present" answer only where a CPU caches those).</summary>
    /// <summary>exit(status): ends the caller and frees every frame it owned, page tables included. No return.</summary>
    private void SysExit(Process p, ulong status)
    {
        p.ExitStatus = (long)status;
        Terminate(p, ProcessState.Exited, null);
        Yield();
    }

    /// <summary>fork(): a copy of the caller (memory by the fork seam, registers, name). Returns the child's
    /// pid to the parent and 0 to the child; -1 when no slot or no memory is left.</summary>
    private ulong SysFork(Process parent)
    {
        int slot = FreeSlot();
        if (slot < 0) return Fail;
        var pt = Seams.Fork.ForkMemory(this, parent, slot);
        MappingsChanged();     // a copy-on-write fork changed the parent's table too
        if (pt is null) return Fail;
        var child = Install(slot, parent.Name, pt, parent.Pid);
        child.Registers = parent.Registers;
        child.Registers[Reg.Rax] = 0;
        return (ulong)child.Pid;
    }

    /// <summary>Starts the program called name (see ElfPrograms) as a child of parent. Returns its pid, or
    /// -1 when the name is unknown, no slot is free, or memory ran out.</summary>
    public int StartProgram(string name, Process parent) => Spawn(name, 0, parent.Pid);
}

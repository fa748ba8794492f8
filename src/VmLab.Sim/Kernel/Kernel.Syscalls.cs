using VmLab.Sim.Cpu;
using VmLab.Sim.Memory;
using VmLab.Sim.Programs;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    private const ulong Fail = ulong.MaxValue;   // -1

    // The syscall entry: number in rax, arguments in rdi, rsi, rdx, result in rax. Every argument is
    // untrusted: a bad one makes the call return -1 and changes nothing.
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
            case SyscallAbi.Yield: r[Reg.Rax] = 0; _resume = false; break;
            case SyscallAbi.PageAlloc: r[Reg.Rax] = SysPageAlloc(p, a0); break;
            case SyscallAbi.Fork: r[Reg.Rax] = SysFork(p); break;
            case SyscallAbi.Spawn: r[Reg.Rax] = SysSpawn(p, a0); break;
            case SyscallAbi.PipeWrite: r[Reg.Rax] = SysPipeWrite(p, a0, a1); break;
            case SyscallAbi.PipeRead: r[Reg.Rax] = SysPipeRead(p, a0, a1); break;
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

    /// <summary>exit(status): ends the caller and frees every frame it owned, page tables included. No return.</summary>
    private void SysExit(Process p, ulong status)
    {
        p.ExitStatus = (long)status;
        Terminate(p, ProcessState.Exited, null);
        _resume = false;
    }

    /// <summary>page_alloc(va): maps a fresh zeroed page, P|W|U, at va. va must be page-aligned, in
    /// [PROC_START_ADDR, MEMSIZE_VIRTUAL) and not mapped yet (so never the console or the kernel, never a page the
    /// caller already has). -1 when memory (for the page or a page-table page) runs out. Returns 0.</summary>
    private ulong SysPageAlloc(Process p, ulong va)
    {
        if (Options.Vulnerable) return VulnerablePageAlloc(p, va);
        if (!IsUserPage(va) || p.PageTable.Iter(va).Present) return Fail;
        if (!MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return Fail;
        Tlb.Invlpg(va);
        return 0;
    }

    /// <summary>The handout's page_alloc (seed 003 G1): with identity-mapped thinking it zeroes the physical page
    /// at va before mapping, trusting that va is the caller's. Given a kernel or another process's address the
    /// kernel, acting for the caller, wipes memory that is not the caller's: a confused deputy.</summary>
    private ulong VulnerablePageAlloc(Process p, ulong va)
    {
        if (va % PageSize != 0 || va >= MemSizeVirtual) return Fail;
        if (va < ProcStartAddr)
        {
            Memory.ZeroFrame(va);          // "clear the new page": the kernel trusts the address
            return 0;
        }
        if (p.PageTable.Iter(va).Present) return Fail;
        if (!MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return Fail;
        Tlb.Invlpg(va);
        return 0;
    }

    /// <summary>fork(): a copy of the caller (memory per <see cref="KernelOptions.Fork"/>, registers, name).
    /// Returns the child's pid to the parent and 0 to the child; -1 when no slot or no memory is left.</summary>
    private ulong SysFork(Process parent)
    {
        int slot = FreeSlot();
        if (slot < 0 || ForkMemory(parent, slot) is not { } pt) return Fail;
        var child = Install(slot, parent.Name, pt, parent.Pid);
        child.Registers = parent.Registers;
        child.Registers[Reg.Rax] = 0;
        return (ulong)child.Pid;
    }

    /// <summary>spawn(name): starts the named program (a NUL-terminated string of at most MaxName bytes,
    /// user-readable) as a fresh process. Returns its pid; -1 for a bad pointer, an unknown name, no slot or
    /// no memory.</summary>
    private ulong SysSpawn(Process p, ulong name)
    {
        if (ReadUserString(p, name, MaxName) is not { } s) return Fail;
        int pid = Spawn(s, 0, p.Pid);
        return pid < 0 ? Fail : (ulong)pid;
    }
}

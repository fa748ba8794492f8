using System.Text;
using VmLab.Sim.Elf;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Tests.Elf;

/// <summary>
/// Runs a loaded ELF program alone on VmLab's x86-64 CPU, with the mappings process_setup would give it (text
/// user read-only, data/bss user read-write no-execute, the 1 MiB of stack under 0x300000, rdi = the argument)
/// and just the syscalls a lone test program needs: write (the console), exit, getpid (1, the first process)
/// and yield (nothing else to run); the rest answer -1. A run without the kernel, to compare the kernel's
/// runs with (CPortTests) and to run the corpus on the CPU alone.
/// </summary>
internal static class X86ElfRunner
{
    /// <summary>What the program printed, then "[exit N]" or how it stopped.</summary>
    public static string Run(ProgramImage image, ulong arg = 0, long maxInstructions = 500_000_000)
    {
        var memory = new PagedTestMemory(frames: (int)(MemSizeVirtual / PageSize), virtualPages: (int)(MemSizeVirtual / PageSize));
        int frame = 1;
        foreach (var seg in image.Segments)
            foreach (var (va, bytes) in seg.Pages())
            {
                memory.Map(va, frame++, seg.Writable ? PagePerm.UserRw | PagePerm.NoExecute : PagePerm.UserRo);
                memory.Poke(va, bytes.Span);
            }
        for (ulong va = StackLimit; va < MemSizeVirtual; va += PageSize)     // the stack the kernel would grow, mapped up front
            memory.Map(va, frame++, PagePerm.UserRw | PagePerm.NoExecute);
        var cpu = new X86Cpu<PagedTestBus>(new PagedTestBus(memory)) { Rip = image.Entry };
        cpu[Reg.Rsp] = MemSizeVirtual;
        cpu[Reg.Rdi] = arg;
        var console = new StringBuilder();
        long start = cpu.InstructionCount;
        while (cpu.InstructionCount - start < maxInstructions)
        {
            var reason = cpu.Run(maxInstructions - (cpu.InstructionCount - start));
            if (reason is StopReason.Budget or StopReason.Timer) continue;
            if (reason != StopReason.Syscall)
                return console + $"[stopped: {reason} at rip 0x{cpu.Rip:x}{(reason == StopReason.InvalidOpcode ? " (" + cpu.InvalidMnemonic + ")" : "")}"
                    + (reason == StopReason.Fault ? $", {cpu.LastFault.Kind} at 0x{cpu.LastFault.Address:x}" : "") + "]\n";
            switch (cpu[Reg.Rax])
            {
                case 1 when cpu[Reg.Rsi] <= MaxWrite:
                    console.Append(Encoding.Latin1.GetString(memory.Peek(cpu[Reg.Rdi], (int)cpu[Reg.Rsi])));
                    cpu[Reg.Rax] = cpu[Reg.Rsi];
                    break;
                case 2:
                    return console + $"[exit {(long)cpu[Reg.Rdi]}]\n";
                case 3:
                    cpu[Reg.Rax] = 1;
                    break;
                case 4:
                    cpu[Reg.Rax] = 0;
                    break;
                default:
                    cpu[Reg.Rax] = ulong.MaxValue;
                    break;
            }
        }
        return console + "[still running]\n";
    }
}

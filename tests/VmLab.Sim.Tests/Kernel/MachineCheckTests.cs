using VmLab.Sim.Machine;
using VmLab.Sim.Elf;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>A page table that points beyond physical memory (a student's fork let a process write its own PML4) stops
/// the machine with a panic that says so, instead of an exception out of the simulator.</summary>
public class MachineCheckTests
{
    [Fact]
    public void A_page_table_entry_beyond_memory_is_a_machine_check_panic()
    {
        var k = new VmLab.Sim.Kernel.Kernel(new VmLab.Sim.Kernel.KernelOptions { CheckEvery = 1 });
        var image = VmLab.Sim.Elf.X86Program.Build(a =>
        {
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.mov(rbx, 0x2ff000);
            a.mov(__qword_ptr[rbx], rax);
            a.Syscall(SyscallAbi.Yield);
            a.jmp(spin);
        }, "x"u8);
        int pid = k.Spawn(image, "victim");
        k.Run(50);
        ulong root = k.Find(pid)!.PageTable.Root;
        k.Memory.WriteU64(root, 0x3a646c696000UL | PTE_P | PTE_W | PTE_U);     // what ASCII written into a PML4 looks like
        k.Tlb.FlushAll();
        var ran = Record.Exception(() => k.Run(1_000));
        Assert.Null(ran);
        Assert.StartsWith("machine check: physical address 0x3a646c696000 is beyond the end of memory", k.Panic);
    }
}

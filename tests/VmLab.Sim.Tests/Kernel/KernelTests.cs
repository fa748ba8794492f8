using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Machine;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;
using VmLab.Sim.Cpu;
using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Kernel;

public class KernelTests
{
    private static VmLab.Sim.Kernel.Kernel Boot() => new(new KernelOptions { CheckEvery = 1 });

    [Fact]
    public void Every_program_assembles()
    {
        foreach (string name in ElfPrograms.Names)
            Assert.NotNull(ElfPrograms.Image(name));
    }

    [Fact]
    public void Hello_prints_and_exits_and_gives_every_frame_back()
    {
        var k = Boot();
        Assert.Equal(1, k.Spawn("hello"));
        k.Run(1_000_000);
        Assert.Null(k.Panic);
        Assert.Equal("Hello, world! I am pid 1\n", k.Console);
        Assert.Equal(ProcessState.Exited, k.History[0].State);
        Assert.Empty(k.Processes);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
        Assert.Empty(k.CheckerErrors);
    }

    [Fact]
    public void Kernel_memory_is_supervisor_only_and_the_console_is_user_writable()
    {
        var k = Boot();
        k.Spawn("alice", 1000);
        var pt = k.Processes[0].PageTable;
        Assert.Equal(PTE_P | PTE_W, pt.Iter(KernelLayout.SyscallEntry).Perm & (PTE_P | PTE_W | PTE_U));
        Assert.Equal(PTE_P | PTE_W | PTE_U, pt.Iter(KernelLayout.ConsoleAddr).Perm & (PTE_P | PTE_W | PTE_U));
        Assert.Equal(PTE_P | PTE_U, pt.Iter(KernelLayout.ProcStartAddr).Perm & (PTE_P | PTE_W | PTE_U));
        Assert.False(pt.Iter(0).Present);
        Assert.Equal(KernelLayout.KernelStartAddr, pt.Iter(KernelLayout.KernelStartAddr).Pa);
    }

    [Fact]
    public void An_instruction_outside_the_subset_kills_only_its_process_naming_the_mnemonic()
    {
        var k = Boot();
        int bad = k.Spawn(X86Program.Build(a =>
        {
            a.mov(rax, 1);
            a.cpuid();
        }), "cpuid");
        k.Spawn("hello");
        k.Run(100_000);
        Assert.Null(k.Panic);
        var p = k.History.Single(h => h.Pid == bad);
        Assert.Equal(ProcessState.Killed, p.State);
        Assert.Equal($"invalid opcode at RIP 0x{p.Registers.Rip:x} (cpuid) (pid {bad}): cpuid is a real x86-64 instruction " +
                     $"outside VmLab's subset (docs/x86.md), in _start+0x{p.Registers.Rip - X86Program.TextAddress:x}: cpuid", p.KillReason);
        var f = Assert.Single(k.Faults);
        Assert.Equal(("outside VmLab's x86-64 subset", "_start+", "cpuid", 6, "SIGILL"), (f.Cause, f.Where[..7], f.Instruction, f.Vector, f.Signal));
        Assert.True(p.Registers.Rip > X86Program.TextAddress, "rip stays on the cpuid, after the mov that ran");
        Assert.Equal(1UL, p.Registers[Reg.Rax]);
        Assert.Contains(p.KillReason!, k.Console);
        Assert.Contains("Hello, world! I am pid 2", k.Console);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Fact]
    public void Timer_preemption_lets_others_run_past_a_process_that_never_yields()
    {
        var k = Boot();
        int spinner = k.Spawn(X86Program.Build(a =>
        {
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.add(rax, 1);
            a.jmp(spin);
        }), "spinner");
        k.Spawn("hello");
        k.Run(100_000);
        Assert.Contains("Hello, world! I am pid 2", k.Console);
        Assert.True(k.Find(spinner)!.Instructions > 50_000);
        Assert.True(k.ContextSwitches >= 2);
        k.Kill(spinner, "done");
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Fact]
    public void Paged_bus_sets_accessed_and_dirty_bits_and_reports_real_error_codes()
    {
        var frames = new FrameAllocator(new PhysicalMemory());
        var pt = PageTable.Create(frames, 1);
        ulong data = frames.Allocate(FrameOwner.Process, 1);
        pt.Iter(0x200000).Map(data, PTE_P | PTE_U);            // read-only user page
        var tlb = new Tlb(new Mmu(frames.Memory));
        tlb.LoadCr3(pt.Root);
        var bus = new PagedBus(tlb);
        frames.Memory.WriteU64(data + 8, 0x1122334455667788);
        Assert.True(bus.TryLoad(0x200008, 8, Access.Read, Privilege.User, out ulong v, out _));
        Assert.Equal(0x1122334455667788UL, v);
        Assert.True(Pte.IsAccessed(pt.Iter(0x200000).Entry));
        Assert.False(Pte.IsDirty(pt.Iter(0x200000).Entry));
        Assert.False(bus.TryStore(0x200008, 8, 1, Privilege.User, out var f));
        Assert.Equal(PageFaultError.Present | PageFaultError.Write | PageFaultError.User, f.ErrorCode);
        Assert.Equal(0x1122334455667788UL, frames.Memory.ReadU64(data + 8));   // nothing changed
        Assert.False(bus.TryLoad(0x300000, 8, Access.Read, Privilege.User, out _, out f));
        Assert.Equal(PageFaultError.User, f.ErrorCode);                        // not present
        pt.Iter(0x200000).Map(data, PTE_P | PTE_W | PTE_U);
        tlb.Invlpg(0x200000);
        Assert.True(bus.TryStore(0x200008, 1, 0xAB, Privilege.User, out _));
        Assert.True(Pte.IsDirty(pt.Iter(0x200000).Entry));
        Assert.Equal(0xABUL, frames.Memory.ReadU64(data + 8) & 0xFF);
    }
}

public class CopyOnWritePipeTests
{
    [Fact]
    public void Piperead_into_a_copy_on_write_page_copies_it_first()
    {
        const ulong buf = X86Program.DataAddress, msg = buf + 2;
        var image = X86Program.Build(a =>
        {
            Label child = a.CreateLabel(), fail = a.CreateLabel();
            a.Syscall(SyscallAbi.Fork);
            a.test(rax, rax);
            a.je(child);
            a.Syscall(SyscallAbi.PipeRead, buf, 2);      // parent: its data page is copy-on-write now
            a.cmp(rax, 2);
            a.jne(fail);
            a.Syscall(SyscallAbi.Write, buf, 2);
            a.Syscall(SyscallAbi.Exit, 0);
            a.Label(ref fail);
            a.mov(rdi, rax);
            a.mov(rax, SyscallAbi.Exit);
            a.syscall();
            a.Label(ref child);
            a.Syscall(SyscallAbi.PipeWrite, msg, 2);
            a.Syscall(SyscallAbi.Exit, 0);
        }, "..ok"u8);
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { Seams = KernelSeams.Reference with { Fork = CowFork.Instance }, CheckEvery = 1 });
        k.Spawn(image, "cowpipe");
        k.Run(100_000);
        Assert.Null(k.Panic);
        Assert.Equal("ok", k.Console);
        Assert.Equal(0L, k.History[0].ExitStatus);
        Assert.True(k.CopyOnWriteFaults > 0);
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }
}

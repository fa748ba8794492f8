using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;
using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Kernel;

public class KernelTests
{
    private static VmLab.Sim.Kernel.Kernel Boot(ForkMode fork = ForkMode.Copy) =>
        new(new KernelOptions { Fork = fork, CheckEvery = 1 });

    [Fact]
    public void Every_program_assembles()
    {
        foreach (string name in UserPrograms.Names)
            Assert.NotNull(UserPrograms.Image(name));
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
    public void Timer_preemption_lets_others_run_past_a_process_that_never_yields()
    {
        var k = Boot();
        int spinner = k.Spawn(Assembler.Assemble(".text\nspin: add rax, 1\njmp spin"), "spinner");
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
        string src = VmLab.Sim.Programs.SyscallAbi.Prelude + """
            .text
            _start:
                mov rax, SYS_FORK
                syscall
                cmp rax, 0
                je child
            read:                       # parent: its .data page is copy-on-write now
                mov rdi, buf
                mov rsi, 2
                mov rax, SYS_PIPEREAD
                syscall
                cmp rax, 2
                jne fail
                mov rdi, buf
                mov rsi, 2
                mov rax, SYS_WRITE
                syscall
                mov rdi, 0
                mov rax, SYS_EXIT
                syscall
            fail:
                mov rdi, rax
                mov rax, SYS_EXIT
                syscall
            child:
                mov rdi, msg
                mov rsi, 2
                mov rax, SYS_PIPEWRITE
                syscall
                mov rdi, 0
                mov rax, SYS_EXIT
                syscall
            .data
            buf: .ascii ".."
            msg: .ascii "ok"
            """;
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { Fork = ForkMode.CopyOnWrite, CheckEvery = 1 });
        k.Spawn(VmLab.Sim.Asm.Assembler.Assemble(src), "cowpipe");
        k.Run(100_000);
        Assert.Null(k.Panic);
        Assert.Equal("ok", k.Console);
        Assert.Equal(0L, k.History[0].ExitStatus);
        Assert.True(k.CopyOnWriteFaults > 0);
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }
}

using VmLab.Sim.Elf;
using VmLab.Sim.Machine;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;
using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Kernel;

public class SyscallValidationTests
{
    /// <summary>Runs a program that makes one syscall (rax = number, rdi, rsi) and stores the result at 0x2ff000.</summary>
    private static long Call(long number, ulong rdi, ulong rsi = 0, KernelOptions? options = null)
    {
        var image = X86Program.Build(a =>
        {
            a.Syscall(number, rdi, rsi);
            a.mov(rbx, 0x2ff000);
            a.mov(__qword_ptr[rbx], rax);
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.Syscall(SyscallAbi.Yield);
            a.jmp(spin);
        }, "ok"u8);
        var k = new VmLab.Sim.Kernel.Kernel(options ?? new KernelOptions { CheckEvery = 1 });
        int pid = k.Spawn(image, "probe");
        k.Run(200);
        Assert.Null(k.Panic);
        var p = k.Find(pid)!;
        long result = (long)k.Memory.ReadU64(p.PageTable.Iter(0x2ff000).Pa);
        k.Kill(pid, "done");
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
        return result;
    }

    [Theory]
    [InlineData(0x40000UL, 16UL)]           // kernel memory: not user-readable
    [InlineData(0x0UL, 1UL)]                // null page
    [InlineData(0x2fff00UL, 0x200UL)]       // runs off the stack page into nothing
    [InlineData(0xffffffffffffff00UL, 0x200UL)]   // wraps around
    [InlineData(0x101000UL, 5000UL)]        // longer than MaxWrite
    public void Write_refuses_buffers_the_caller_cannot_read(ulong buf, ulong len) =>
        Assert.Equal(-1, Call(SyscallAbi.Write, buf, len));

    [Fact]
    public void Write_of_readable_memory_and_of_the_console_succeeds()
    {
        Assert.Equal(2, Call(SyscallAbi.Write, 0x101000, 2));
        Assert.Equal(8, Call(SyscallAbi.Write, KernelLayout.ConsoleAddr, 8));
    }

    [Theory]
    [InlineData(0x110001UL)]                // not page-aligned
    [InlineData(0xB8000UL)]                 // the console
    [InlineData(0x40000UL)]                 // the kernel
    [InlineData(0x300000UL)]                // at MEMSIZE_VIRTUAL
    [InlineData(0x100000UL)]                // already mapped (the caller's own code)
    [InlineData(0xffff800000000000UL)]      // the high half
    public void Page_alloc_refuses_addresses_that_are_not_free_user_pages(ulong va) =>
        Assert.Equal(-1, Call(SyscallAbi.PageAlloc, va));

    [Fact]
    public void Page_alloc_of_a_free_user_page_succeeds() => Assert.Equal(0, Call(SyscallAbi.PageAlloc, 0x200000));

    [Theory]
    [InlineData(0x40000UL)]
    [InlineData(0x101000UL)]                // "ok" is not a program
    [InlineData(0x2ffff0UL)]                // no NUL before the end of the stack page
    public void Spawn_refuses_bad_names(ulong name) => Assert.Equal(-1, Call(SyscallAbi.Spawn, name));

    [Fact]
    public void Unknown_syscalls_return_minus_one() => Assert.Equal(-1, Call(99, 0));

    [Fact]
    public void A_user_fault_kills_only_that_process_with_a_weensyos_message()
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1 });
        var poker = X86Program.Build(a =>
        {
            a.mov(rbx, 0x40000);
            a.mov(rax, 1);
            a.mov(__qword_ptr[rbx], rax);
        });
        k.Spawn(poker, "poker");
        k.Spawn("hello");
        k.Run(100_000);
        Assert.Null(k.Panic);
        var f = Assert.Single(k.Faults);
        var store = X86Disassembler.Disassemble(poker.Segments[0].Bytes, X86Program.TextAddress)[2];
        Assert.Equal("mov %rax,(%rbx)", store.Text);
        Assert.Equal($"PAGE FAULT on 0x40000 (pid 1, write, protection problem, rip=0x{store.Address:x}): page fault at 0x40000 " +
                     $"writing (kernel memory, not user-accessible), in _start+0x{store.Address - X86Program.TextAddress:x}: mov %rax,(%rbx)", f.Message);
        Assert.Equal(7u, f.ErrorCode);
        Assert.Contains("Hello, world! I am pid 2", k.Console);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Fact]
    public void A_kernel_bug_panics_with_function_and_reason()
    {
        var k = new VmLab.Sim.Kernel.Kernel();
        int pid = k.Spawn("alice", 100);
        ulong code = k.Find(pid)!.PageTable.Iter(0x100000).Pa;
        k.Frames.Free(code);                      // simulate a kernel bug: the frame is freed while still mapped
        Assert.Contains("freed but mapped", string.Join("\n", k.Check().Errors));
        k.Kill(pid, "test");                      // exit frees it a second time
        Assert.Equal($"kfree: double free of 0x{code:x}", k.Panic);
        Assert.Equal(0, k.Run(1000));             // a panicked kernel runs nothing
    }
}

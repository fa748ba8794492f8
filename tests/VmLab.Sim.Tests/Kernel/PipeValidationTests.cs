using VmLab.Sim.Elf;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;
using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>A bad buffer gets -1 from the pipe calls whatever the pipe holds: a full pipe (write) or an empty
/// one (read) must not make the kernel skip the check, put the caller to sleep, or answer "try again".</summary>
public class PipeValidationTests
{
    // One pipe call; the program exits with its result as the status.
    private static long Call(string variant, long number, ulong buf, ulong len, bool fillPipe)
    {
        var image = X86Program.Build(a =>
        {
            a.Syscall(number, buf, len);
            a.mov(rdi, rax);
            a.mov(rax, SyscallAbi.Exit);
            a.syscall();
        }, "ok"u8);
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1, Seams = KernelSeams.Reference with { PipeKernel = Pipe(variant) } });
        if (fillPipe) k.Pipe.Push(new byte[VmLab.Sim.Kernel.Kernel.PipeSize]);
        int pid = k.Spawn(image, "probe");
        k.Run(1000);
        Assert.Null(k.Panic);
        var p = k.History.Single(h => h.Pid == pid);
        Assert.Equal(ProcessState.Exited, p.State);
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
        return p.ExitStatus!.Value;
    }

    private static TeachingPipe Pipe(string name) =>
        new[] { TeachingPipe.Naive, TeachingPipe.Blocking, TeachingPipe.Batching, TeachingPipe.Best }.Single(p => p.ToString() == name);

    [Theory]
    [InlineData("naive", 0x40000UL)]        // kernel memory
    [InlineData("blocking", 0x40000UL)]
    [InlineData("batching", 0x0UL)]         // the null page
    [InlineData("best", 0x40000UL)]
    [InlineData("best", 0x250000UL)]        // unmapped user address
    public void Pipewrite_to_a_full_pipe_refuses_a_bad_buffer(string variant, ulong buf) =>
        Assert.Equal(-1, Call(variant, SyscallAbi.PipeWrite, buf, 16, fillPipe: true));

    [Theory]
    [InlineData("naive")]
    [InlineData("best")]
    public void Piperead_from_an_empty_pipe_refuses_a_kernel_buffer(string variant) =>
        Assert.Equal(-1, Call(variant, SyscallAbi.PipeRead, 0x40000, 16, fillPipe: false));

    [Fact]
    public void Pipewrite_of_a_good_buffer_to_a_full_non_blocking_pipe_answers_try_again() =>
        Assert.Equal(0, Call("batching", SyscallAbi.PipeWrite, 0x101000, 2, fillPipe: true));
}

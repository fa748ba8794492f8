using VmLab.Sim.Cpu;
using VmLab.Sim.Programs;

namespace VmLab.Sim.Tests.Cpu;

public class SampleProgramTests
{
    [Theory]
    [InlineData("hello", "Hello from user space!\n", 0)]
    [InlineData("loop", "500500\n", 500500 % 256)]
    [InlineData("fib", "6765\n", 0)]
    [InlineData("memcpy", "copied by rep movsb, restartable after a fault\n", 0)]
    public void Samples_print_what_they_compute_and_exit(string name, string output, long status)
    {
        var r = FlatRunner.Run(SamplePrograms.Assemble(name), 10_000_000);
        Assert.Equal(StopReason.Syscall, r.StopReason);
        Assert.True(r.Exited);
        Assert.Equal(status, r.ExitStatus);
        Assert.Equal(output, r.Output);
    }

    [Fact]
    public void Trace_lists_each_instruction_with_the_registers_it_changed()
    {
        var r = FlatRunner.Run(SamplePrograms.Assemble("hello"), 100, trace: true);
        Assert.Equal(r.Instructions, r.Trace.Count);
        Assert.StartsWith("mov rdi, ", r.Trace[0].Instruction);
        Assert.Contains("rdi=0x", r.Trace[0].Changes);
        Assert.Equal("_start", r.Trace[0].Label);
        Assert.Contains(r.Trace, t => t.Instruction == "syscall");
    }
}

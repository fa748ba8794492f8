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
}

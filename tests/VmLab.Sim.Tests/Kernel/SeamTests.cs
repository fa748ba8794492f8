using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Kernel;

public class SeamTests
{
    [Fact]
    public void The_old_switches_name_seam_implementations()
    {
        Assert.Same(CopyFork.Instance, KernelSeams.From(new KernelOptions()).Fork);
        Assert.Same(CowFork.Instance, KernelSeams.From(new KernelOptions { Fork = ForkMode.CopyOnWrite }).Fork);
        Assert.Same(NaiveFork.Instance, KernelSeams.From(new KernelOptions { Fork = ForkMode.Naive }).Fork);
        Assert.Same(TeachingPipe.Naive, KernelSeams.From(new KernelOptions { Pipe = PipeKernel.Naive }).Pipe);
        Assert.Same(HandoutPageAlloc.Instance, KernelSeams.From(new KernelOptions { Vulnerable = true }).PageAlloc);
        Assert.Same(ReferenceSyscalls.Instance, new VmLab.Sim.Kernel.Kernel().Seams.PageAlloc);
    }

    private sealed class CountingExit : IExit
    {
        public int Calls;

        public void FreeProcess(VmLab.Sim.Kernel.Kernel k, Process p)
        {
            Calls++;
            ReferenceMemory.Instance.FreeProcess(k, p);
        }
    }

    [Fact]
    public void A_plugged_seam_is_what_the_kernel_calls()
    {
        var exit = new CountingExit();
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1, Seams = KernelSeams.Reference with { Exit = exit } });
        k.Spawn("forkexit", 5);
        k.Run(5_000_000);
        Assert.Contains("forkexit: 5 children forked and exited", k.Console);
        Assert.Equal(6, exit.Calls);            // five children and the parent
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }
}

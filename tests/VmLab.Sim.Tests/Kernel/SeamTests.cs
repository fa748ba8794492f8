using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Sim.Tests.Kernel;

public class SeamTests
{
    [Fact]
    public void A_scenario_option_picks_a_seam_implementation()
    {
        Assert.Same(CopyFork.Instance, Scenario.Fork.Start().Seams.Fork);
        Assert.Same(CowFork.Instance, Scenario.Fork.Start(Scenario.Fork.Args(("cow", true))).Seams.Fork);
        Assert.Same(NaiveFork.Instance, Scenario.Fork.Start(Scenario.Fork.Args(("naive", true))).Seams.Fork);
        Assert.Same(TeachingPipe.Naive, Scenario.Pipe.Start(Scenario.Pipe.Args(("kernel", "naive"))).Seams.PipeKernel);
        Assert.Same(TeachingPipe.Best, Scenario.Pipe.Start().Seams.PipeKernel);
        Assert.Same(HandoutPageAlloc.Instance, Scenario.Friends.Start(Scenario.Friends.Args(("vulnerable", true))).Seams.PageAlloc);
        Assert.Same(ReferenceSyscalls.Instance, Scenario.Friends.Start().Seams.PageAlloc);
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

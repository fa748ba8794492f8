using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>
/// Hostile user programs (native/user/p-hostile.c: random syscalls with random arguments aimed at the kernel,
/// the console, other processes and nowhere, plus random loads and stores) against the fixed kernel.
/// User input must never panic the kernel or break a memory invariant, and when everyone is gone every
/// frame must be free again.
/// </summary>
public class KernelFuzzTests
{
    private static (long Syscalls, VmLab.Sim.Kernel.Kernel Kernel) Fuzz(IFork fork, long syscalls, int seed)
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { Seams = KernelSeams.Reference with { Fork = fork }, CheckEvery = 20_000, Quantum = 300 });
        var rng = new Random(seed);
        while (k.SyscallCount < syscalls)
        {
            while (k.Processes.Count < 6 && k.Spawn("hostile", (ulong)rng.NextInt64(1, long.MaxValue)) > 0) { }
            if (k.Run(100_000) == 0)                      // everyone asleep on the pipe: start over
                foreach (var p in k.Processes) k.Kill(p.Pid, "deadlocked");
            Assert.Null(k.Panic);
        }
        foreach (var p in k.Processes) k.Kill(p.Pid, "fuzz over");
        return (k.SyscallCount, k);
    }

    private static void AssertClean(VmLab.Sim.Kernel.Kernel k)
    {
        Assert.Null(k.Panic);
        var report = k.Check();
        Assert.Empty(k.CheckerErrors);
        Assert.Empty(report.LeakedFrames);
        Assert.Empty(k.Processes);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Fact]
    public void A_million_hostile_syscalls_never_panic_or_corrupt_the_kernel()
    {
        var (syscalls, k) = Fuzz(CopyFork.Instance, 1_000_000, seed: 61);
        Assert.True(syscalls >= 1_000_000);
        AssertClean(k);
        Assert.NotEmpty(k.Faults);                                   // hostile accesses were caught and killed
        Assert.Contains(k.History, p => p.Parent != 0);             // forks and spawns really happened
        Assert.True(k.PipeSyscalls > 0);
    }

    [Fact]
    public void Hostile_syscalls_with_copy_on_write_fork_stay_clean()
    {
        var (_, k) = Fuzz(CowFork.Instance, 200_000, seed: 62);
        AssertClean(k);
        Assert.True(k.CopyOnWriteFaults > 0);
    }
}

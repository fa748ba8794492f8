using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;
using VmLab.Toolchain;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>
/// A fork bomb whose children fault at once makes ~20,000 processes a second on this kernel: what the kernel keeps
/// of them (process records, fault records, the console's fault lines) stays bounded, the rest counted, and a
/// checkpoint taken past the bounds restores those counts exactly.
/// </summary>
public sealed class RecordLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-records-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Bomb = """
        #include "u-lib.h"
        void process_main(void) {
            for (;;) {
                if (sys_fork() == 0)
                    *(volatile int*) 0 = 1;
                sys_yield();
            }
        }
        """;

    private ProgramImage Build()
    {
        string source = Path.Combine(_dir, "bomb.c");
        File.WriteAllText(source, Bomb);
        var result = UserCompiler.Compile([source], Path.Combine(_dir, "bomb.elf"), new CompileOptions());
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        return result.Image!;
    }

    private static SimKernel RunPast(ProgramImage image, long processes)
    {
        var k = new SimKernel(new KernelOptions { CheckEvery = 1 });
        Assert.True(k.Spawn(image, "bomb") > 0);
        while (k.ProcessesCreated < processes) k.Run(20_000);
        return k;
    }

    [Fact]
    public void Records_stop_at_their_limits_and_the_rest_are_counted()
    {
        var k = RunPast(Build(), 7_000);
        Assert.Equal(SimKernel.HistoryLimit, k.History.Count);
        Assert.Equal(SimKernel.FaultLimit, k.Faults.Count);
        int aliveChildren = k.Processes.Count(p => p.Pid != 1);
        Assert.Equal(k.ProcessesCreated - 1 - aliveChildren, k.FaultCount);   // every child that ran faulted
        Assert.True(k.Console.Length < (1 << 20) + 1024, $"console {k.Console.Length} chars");
        Assert.Same(k.History[1], k.FirstKilled);
        Assert.Equal(SimKernel.RecentEnded, k.RecentlyEnded.Count);
        Assert.All(k.RecentlyEnded, p => Assert.Equal(ProcessState.Killed, p.State));
        Assert.DoesNotContain(k.RecentlyEnded, p => k.History.Contains(p));   // the latest, not the first kept

        var result = Scenario.Programs(k);
        Assert.Equal(k.ProcessesCreated, result.ProcessesCreated);
        Assert.Equal(k.FaultCount, result.FaultCount);
        Assert.Equal(SimKernel.HistoryLimit + k.Processes.Count(p => !k.History.Contains(p)), result.Processes.Count);
        Assert.Equal("runnable", result.Processes[0].State);   // pid 1 forks on
        Assert.False(result.Passed);   // children were killed
    }

    [Fact]
    public void A_checkpoint_past_the_limits_restores_the_counts_and_the_run_goes_on_the_same()
    {
        var k = RunPast(Build(), 5_000);
        var records = new RunRecords();
        var checkpoint = k.Checkpoint(records);
        var at = (k.ProcessesCreated, k.FaultCount, k.FirstKilled, Recent: string.Join(",", k.RecentlyEnded.Select(p => p.GetHashCode())), k.Console.Length, k.Instructions);
        k.Run(100_000);
        var later = (k.ProcessesCreated, k.FaultCount, k.Console.Length);
        Assert.True(later.ProcessesCreated > at.ProcessesCreated);

        k.Restore(checkpoint, records);
        Assert.Equal(at, (k.ProcessesCreated, k.FaultCount, k.FirstKilled, string.Join(",", k.RecentlyEnded.Select(p => p.GetHashCode())), k.Console.Length, k.Instructions));
        k.Run(100_000);
        Assert.Equal(later, (k.ProcessesCreated, k.FaultCount, k.Console.Length));
    }
}

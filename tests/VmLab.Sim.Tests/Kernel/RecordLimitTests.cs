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

    // 5000 children that exit at once (every fifth with status 5), then the parent exits.
    private const string Forker = """
        #include "u-lib.h"
        void process_main(void) {
            for (int i = 0; i < 5000; i++) {
                if (sys_fork() == 0)
                    sys_exit(i % 5 == 0 ? 5 : 0);
                sys_yield();
            }
            sys_exit(0);
        }
        """;

    private ProgramImage Build(string text = Bomb)
    {
        string source = Path.Combine(_dir, "prog.c");
        File.WriteAllText(source, text);
        var result = UserCompiler.Compile([source], Path.Combine(_dir, "prog.elf"), new CompileOptions());
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

    [Fact]
    public void Every_program_exited_is_said_in_one_line_past_the_records_end()
    {
        var k = new SimKernel(new KernelOptions());   // the checker's default pace: this test is about the words
        Assert.True(k.Spawn(Build(Forker), "forker") > 0);
        k.Run(10_000_000);
        Assert.Empty(k.Processes);
        Assert.Equal(5001, k.ProcessesCreated);
        var result = Scenario.Programs(k);
        Assert.True(result.Passed, result.Verdict);
        // named: the parent and children 0-6; counted: children 7-4094, the rest only in the total
        Assert.Equal("every program exited (forker: 0, forker: 5, forker: 0, forker: 0, forker: 0, forker: 0, forker: 5, forker: 0 " +
                     "and 4993 more; of the next 4088 (the rest are counted only): 3271 with status 0, 817 with status 5)", result.Verdict);
        Assert.Equal(SimKernel.HistoryLimit, result.Processes.Count);
        Assert.Equal(5001, result.ProcessesCreated);
    }
}

using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Sim.Tests.Kernel;

public class ScenarioTests
{
    [Theory]
    [InlineData("hello")]
    [InlineData("allocator")]
    [InlineData("inspect")]
    [InlineData("bigdata")]
    [InlineData("fork")]
    [InlineData("spawn")]
    [InlineData("friends")]
    public void Scenario_shows_what_it_claims_with_no_leak_and_no_checker_error(string name)
    {
        var r = Scenario.Named(name).Run();
        Assert.True(r.Passed, r.Verdict + "\n" + r.Console + string.Join("\n", r.CheckerErrors));
        Assert.Null(r.Panic);
        Assert.Equal(0, r.LeakedFrames);
        Assert.Empty(r.CheckerErrors);
        Assert.Equal(r.FreeFramesBefore, r.FreeFramesAfter);
    }

    [Fact]
    public void Forkexit_thousands_of_cycles_leak_nothing()
    {
        var r = Scenario.ForkExit.Run(("count", 3000));
        Assert.True(r.Passed, r.Verdict);
        Assert.Equal(0, r.LeakedFrames);
        Assert.True(r.Processes.Count > 3000);
        Assert.Equal(r.FreeFramesBefore, r.FreeFramesAfter);
    }

    [Fact]
    public void Naive_fork_breaks_isolation_and_the_checker_flags_it()
    {
        var r = Scenario.Fork.Run(("naive", true));
        Assert.True(r.Passed, r.Verdict);
        Assert.Contains("parent: x = 2", r.Console);
        Assert.Contains(r.CheckerErrors, e => e.StartsWith("writable frame shared between processes"));
    }

    [Fact]
    public void Copy_on_write_fork_isolates_and_copies_on_the_first_write()
    {
        var r = Scenario.Fork.Run(("cow", true));
        Assert.True(r.Passed, r.Verdict);
        Assert.Contains("parent: x = 1", r.Console);
        Assert.Contains(r.Facts, f => f.Key == "copy-on-write faults" && f.Value != "0");
        Assert.Empty(r.CheckerErrors);
    }

    [Fact]
    public void Bigdata_prints_the_amazing_text_after_one_remap()
    {
        var r = Scenario.BigData.Run();
        Assert.Equal("CS 61 Is Amazing\n", r.Console);
        Assert.Contains(r.Facts, f => f.Value.StartsWith("Boo!"));
    }

    [Fact]
    public void Friends_vulnerable_kernel_lets_eve_stop_alice_and_the_fixed_one_does_not()
    {
        var bad = (FriendsRun)Scenario.Friends.Run(("vulnerable", true)).Extra!;
        Assert.True(bad.AttackSucceeded);
        Assert.True(bad.AliceProgress < 40);
        var good = (FriendsRun)Scenario.Friends.Run().Extra!;
        Assert.False(good.AttackSucceeded);
        Assert.Equal(40, good.AliceProgress);
        Assert.Equal("page_alloc returned -1, eve exited", good.EveStatus);
    }

    [Fact]
    public void Start_is_the_machine_Run_runs()
    {
        foreach (var scenario in Scenario.All)
        {
            var args = scenario.Option("count") is { } count ? new ScenarioArgs().With(count, 20L)
                : scenario.Option("messages") is { } messages ? new ScenarioArgs().With(messages, 20L) : new ScenarioArgs();
            var k = scenario.Start(args);
            k.Run(args.Steps);
            var r = scenario.Run(args);
            Assert.Equal((r.Console, r.Steps, r.Syscalls), (k.Console, k.Instructions, k.SyscallCount));
        }
    }

    [Fact]
    public void Options_out_of_range_or_refused_together_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => Scenario.ForkExit.Run(("count", 0)));
        Assert.Throws<ArgumentException>(() => Scenario.Pipe.Run(("kernel", "fast")));
        Assert.Throws<ArgumentException>(() => Scenario.Hello.Run(("count", 5)));
        var e = Assert.Throws<ArgumentException>(() => Scenario.Fork.Run(("naive", true), ("cow", true)));
        Assert.Equal("naive and cow are different forks: pick one", e.Message);
    }

    [Fact]
    public void Scenarios_are_deterministic()
    {
        var a = Scenario.Spawn.Run();
        var b = Scenario.Spawn.Run();
        Assert.Equal(a.Console, b.Console);
        Assert.Equal(a.Steps, b.Steps);
    }
}

public class PipeTests
{
    [Theory]
    [InlineData("naive")]
    [InlineData("blocking")]
    [InlineData("batching")]
    [InlineData("best")]
    public void Every_pipe_kernel_delivers_every_byte_in_order(string variant)
    {
        var (pipe, r) = Run(variant, 200);
        Assert.True(pipe.Intact, r.Console);
        Assert.Equal(200, pipe.MessagesDelivered);
        Assert.Empty(r.CheckerErrors);
        Assert.Equal(r.FreeFramesBefore, r.FreeFramesAfter);
    }

    [Fact]
    public void The_best_kernel_needs_at_most_two_syscalls_per_message_and_each_technique_helps()
    {
        double Cost(string v) => Run(v, 200).Pipe.SyscallsPerMessage;
        double naive = Cost("naive"), blocking = Cost("blocking"), batching = Cost("batching"), best = Cost("best");
        Assert.True(best <= 2, $"best: {best}");
        Assert.True(blocking < naive && batching < naive && best < blocking && best < batching,
            $"naive {naive}, blocking {blocking}, batching {batching}, best {best}");
    }

    private static (PipeRun Pipe, ScenarioResult Result) Run(string kernel, int messages)
    {
        var r = Scenario.Pipe.Run(("kernel", kernel), ("messages", messages));
        var pipe = (PipeRun)r.Extra!;
        Assert.Equal(kernel, pipe.Kernel);
        return (pipe, r);
    }
}

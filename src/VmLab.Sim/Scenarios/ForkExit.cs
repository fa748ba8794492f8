namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>E3/E4: thousands of fork/exit cycles, and not one frame lost.</summary>
    public static Scenario ForkExit { get; } = new ForkExitScenario();
}

file sealed class ForkExitScenario() : Scenario<Booted>("forkexit", 60,
    "E3/E4: thousands of fork/exit cycles (--count N); leaked_frames must be 0",
    "Thousands of fork/exit cycles: exit must give back every page and every page-table page, or free memory " +
    "shrinks a little each time. leaked_frames must be 0.")
{
    public override string FirstLook => "The free-frame count and leaked frames: after each fork and exit every frame comes back.";

    public override string NextStep => "Press Run; then drag the timeline back: at any step leaked frames is 0 and free frames returns to the boot count.";

    // Each cycle costs the memory checker about 1 ms of CPU: 5,000 cycles is 4 s, a million was a quarter hour.
    private static readonly IntOption Count = new("count", "fork/exit cycles", 2000, 1, 5_000);

    private protected override IReadOnlyList<ScenarioOption> Own => [Count];

    public override IReadOnlyList<(ScenarioOption Option, object Value)> TourSettings => [(Count, 1000L)];

    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        k.Spawn("forkexit", (ulong)args.Get(Count));
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        var k = booted.Kernel;
        long count = args.Get(Count);
        bool done = k.Console.Contains($"forkexit: {count} children forked and exited");
        var r = k.Check();
        bool ok = done && r.LeakedFrames.Count == 0 && k.Frames.FreeFrames == k.FreeFramesAtBoot;
        return new($"forkexit forks {count} children that exit at once. exit must free each child's pages and page-table pages.",
            ok, ok ? $"{count} fork/exit cycles, every frame back: free frames {k.Frames.FreeFrames} = {k.FreeFramesAtBoot} at boot"
                   : "frames were lost or the cycles did not finish")
        {
            Facts = [new("processes created", k.ProcessesCreated.ToString())],
        };
    }
}

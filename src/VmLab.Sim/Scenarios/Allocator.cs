namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>Three processes page_alloc until physical memory runs out, then exit.</summary>
    public static Scenario Allocator { get; } = new AllocatorScenario();
}

file sealed class AllocatorScenario() : Scenario<Booted>("allocator", 20,
    "three processes page_alloc until physical memory runs out, then exit",
    "Three allocators take heap pages one at a time until page_alloc says no: physical memory is full. " +
    "Then they exit, and every frame comes back. --view shows memory filling up.")
{
    public override string FirstLook => "The free-frame count in the summary line: three allocators take pages until page_alloc says -1.";

    public override string NextStep => "Press Run and watch Physical memory fill with the three pids' colours; at the end every frame is free again.";

    private const int Allocators = 3;

    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        for (int i = 0; i < Allocators; i++) k.Spawn("allocator");
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        var k = booted.Kernel;
        int refused = k.Console.Split('\n').Count(l => l.Contains("page_alloc said no"));
        bool full = k.MinFreeFrames <= 1 && refused == Allocators;
        return new("Three allocators take heap pages one at a time (yielding between) until page_alloc returns -1: physical memory is full. Then they exit and everything comes back.",
            full, full ? $"memory ran out (lowest free-frame count {k.MinFreeFrames}), all three were refused, nothing crashed"
                       : $"memory did not run out as expected (lowest free-frame count {k.MinFreeFrames}, {refused} refusals)")
        {
            Facts = [new("lowest free frames", k.MinFreeFrames.ToString()), new("allocators refused", refused.ToString())],
        };
    }
}

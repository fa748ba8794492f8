using static VmLab.Sim.Kernel.KernelLayout;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>F1: spawn("alice") twice; two copies of one program side by side.</summary>
    public static Scenario Spawn { get; } = new SpawnScenario();
}

file sealed class SpawnScenario() : Scenario<SpawnScenario.Alices>("spawn", 70,
    "F1: spawn(\"alice\") twice; two copies of one program side by side",
    "F1: spawn(\"alice\") twice. Each copy has its own page table, so both run at virtual address 0x100000 on " +
    "different frames, interleaved by the timer.")
{
    public override string FirstLook => "Processes: two alices, both running code at 0x100000, each on frames of its own.";

    public override string NextStep => "Walk 0x100000 in one alice, then in the other: the same virtual address leads to different frames.";

    /// <summary>Each alice as process_setup made it: its pid and the frame behind its code page.</summary>
    public sealed class Alices(SimKernel k) : Booted(k)
    {
        public List<(int Pid, ulong CodeFrame)> Started { get; } = [];
    }

    private protected override Alices Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        var alices = new Alices(k);
        k.Spawn("spawner");
        k.AfterProcessSetup = (_, p) =>
        {
            if (p.Name == "alice") alices.Started.Add((p.Pid, p.PageTable.Iter(ProcStartAddr).Pa));
        };
        return alices;
    }

    private protected override Judgement Judge(Alices alices, ScenarioArgs args)
    {
        var lines = alices.Kernel.Console.Split('\n');
        var started = alices.Started;
        bool bothRan = started.Count == 2 && started.All(a => lines.Any(l => l == $"alice (pid {a.Pid}): round 5"));
        bool separate = started.Count == 2 && started[0].CodeFrame != started[1].CodeFrame;
        bool ok = bothRan && separate;
        return new("spawner calls spawn(\"alice\") twice. Each alice gets its own page table, so both run the same code at the same virtual address 0x100000 on different frames (with identity-mapped processes the second copy would land on the first).",
            ok, ok ? "two alices ran side by side, same virtual addresses, different frames"
                   : "the two alices did not both run to the end on separate frames")
        {
            Facts = [.. started.Select(a => new KeyValuePair<string, string>($"alice pid {a.Pid}: va 0x100000 ->", $"frame 0x{a.CodeFrame:x}"))],
        };
    }
}

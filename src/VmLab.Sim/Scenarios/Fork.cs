using VmLab.Sim.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>E1/E2: after fork, the child's write stays in the child.</summary>
    public static Scenario Fork { get; } = new ForkScenario();
}

file sealed class ForkScenario() : Scenario<Booted>("fork", 50,
    "E1/E2: child and parent isolation after fork (--naive: copy_mappings only; --cow: copy-on-write)",
    "fork makes a child with its own page table: writable pages are copied, read-only ones shared. The child " +
    "writes x = 2; the parent still reads x = 1. Try --naive to see why copying the mappings alone is not " +
    "enough, and --cow for copy-on-write.")
{
    public override string FirstLook => "Events: pid 1's fork; then the Virtual memory of pid 2, whose writable pages map frames of its own.";

    public override string NextStep => $"Run to next event until the child writes x (with cow, a copy-on-write fault), click it to land just before, then walk 0x{VmLab.Sim.Elf.ElfPrograms.Image("forker")!.Symbols["x"] & ~0xfffUL:x} in pid 2 as write.";

    private static readonly FlagOption Naive = new("naive", "fork with copy_mappings only (seed 003 E2): parent and child share writable frames, and the checker must flag it");
    private static readonly FlagOption Cow = new("cow", "copy-on-write fork: pages shared read-only, copied on the first write");

    private protected override IReadOnlyList<ScenarioOption> Own => [Naive, Cow];

    public override string? Conflict(ScenarioArgs args, Func<ScenarioOption, string> spell) =>
        args.Get(Naive) && args.Get(Cow) ? $"{spell(Naive)} and {spell(Cow)} are different forks: pick one" : null;

    // The fork seam is the whole difference between the three kernels.
    private static IFork ForkOf(ScenarioArgs args) =>
        args.Get(Naive) ? NaiveFork.Instance : args.Get(Cow) ? CowFork.Instance : CopyFork.Instance;

    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args, KernelSeams.Reference with { Fork = ForkOf(args) });
        k.Spawn("forker");
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        var k = booted.Kernel;
        bool naive = args.Get(Naive);
        string? line = k.Console.Split('\n').FirstOrDefault(l => l.StartsWith("parent: x = "));
        bool isolated = line == "parent: x = 1";
        bool flagged = k.CheckerErrors.Any(e => e.StartsWith("writable frame shared"));
        bool childRan = k.Console.Contains("child: set x = 2");
        bool ok = childRan && (naive ? !isolated && flagged : isolated);
        string verdict = naive
            ? ok ? "copy_mappings alone is not fork: the child's write reached the parent, and the checker flagged the shared writable frame"
                 : "the naive fork did not show the expected breakage"
            : ok ? "the child's write stayed in the child: the parent still sees x = 1" : "isolation broken: the parent saw the child's write";
        return new("forker sets x = 1, forks; the child writes x = 2; the parent then reads x.", ok, verdict)
        {
            Facts =
            [
                new("fork", args.Seams?.Names.Contains("fork") == true ? $"yours (Fork.cs from {args.Seams.Source})"
                    : naive ? "copy_mappings only (E2's wrong answer)" : args.Get(Cow) ? "copy-on-write" : "copy writable pages, share read-only ones"),
                new("parent saw", line ?? "(no line)"),
                new("copy-on-write faults", k.CopyOnWriteFaults.ToString()),
                new("checker flagged writable sharing", flagged ? "yes" : "no"),
            ],
            BrokenOnPurpose = naive,
        };
    }
}

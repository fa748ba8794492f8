namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>One process prints a line and exits; every frame comes back.</summary>
    public static Scenario Hello { get; } = new HelloScenario();
}

file sealed class HelloScenario() : Scenario<Booted>("hello", 10,
    "one process prints a line and exits; every frame comes back",
    "The teaching kernel runs a user program with its own page table; exit gives every frame back.")
{
    public override string FirstLook => "The Physical memory panel: the frames process_setup gave pid 1 (code, data, stack, page tables), and the Console.";

    public override string NextStep => "Run to next event until pid 1's write; then click its code page at 0x100000 and walk it as write: the walk stops at the leaf, which is read-only.";

    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        k.Spawn("hello");
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        bool printed = booted.Kernel.Console.Contains("Hello, world! I am pid 1");
        return new("A process with its own page table prints through the write syscall and exits; exit frees every frame it had.",
            printed, printed ? "hello printed its line and exited" : "hello did not print its line");
    }
}

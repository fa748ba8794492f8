using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>What the friends scenario observed (seed 003 G1's JSON contract).</summary>
/// <param name="AttackSucceeded">alice was stopped or damaged: she did not exit after all her rounds.</param>
/// <param name="AliceProgress">rounds alice printed (of 40); fewer means eve's page_alloc damaged her.</param>
/// <param name="EveStatus">how eve ended ("killed: ...", "page_alloc obeyed, eve exited" or "page_alloc returned -1,
/// eve exited").</param>
public sealed record FriendsRun(bool AttackSucceeded, long AliceProgress, string EveStatus);

public abstract partial class Scenario
{
    /// <summary>G1: eve asks page_alloc for alice's page table: a confused deputy.</summary>
    public static Scenario Friends { get; } = new FriendsScenario();
}

file sealed class FriendsScenario() : Scenario<FriendsScenario.Pair>("friends", 80,
    "G1: eve asks page_alloc for alice's page table (--vulnerable: the kernel obeys)",
    "A confused deputy: eve passes the address of alice's page table to page_alloc. The fixed kernel checks that " +
    "the address is a user page the caller may own and returns -1; alice runs on. (--vulnerable shows the kernel " +
    "wiping alice's page table for eve.)")
{
    public override string FirstLook => "Events: eve's page_alloc with the address of alice's page table, marked as the deputy's cause.";

    public override string NextStep => "Tick vulnerable, boot, press Run; click a checker finding: it points at eve's page_alloc, the syscall that handed the kernel alice's page.";

    private const int Rounds = 40;

    private static readonly FlagOption Vulnerable = new("vulnerable", "the handout kernel: page_alloc zeroes whatever page it is given");

    /// <summary>alice's pid, eve's, and the address eve passes (alice's page-table root).</summary>
    public sealed class Pair(SimKernel k, int alice, int eve, ulong target) : Booted(k)
    {
        public int Alice { get; } = alice;
        public int Eve { get; } = eve;
        public ulong Target { get; } = target;
    }

    private protected override IReadOnlyList<ScenarioOption> Own => [Vulnerable];

    public override Type ExtraType => typeof(FriendsRun);

    private protected override Pair Boot(ScenarioArgs args)
    {
        var k = NewKernel(args, KernelSeams.Reference with
        {
            PageAlloc = args.Get(Vulnerable) ? HandoutPageAlloc.Instance : ReferenceSyscalls.Instance,
        });
        int alice = k.Spawn("alice", Rounds);
        ulong target = k.Find(alice)!.PageTable.Root;      // what eve read off the memory viewer
        return new(k, alice, k.Spawn("eve", target), target);
    }

    private protected override Judgement Judge(Pair pair, ScenarioArgs args)
    {
        var k = pair.Kernel;
        bool vulnerable = args.Get(Vulnerable);
        var a = k.History.First(p => p.Pid == pair.Alice);
        var e = k.History.First(p => p.Pid == pair.Eve && p.Name == "eve");
        long progress = k.Console.Split('\n').Count(l => l.StartsWith($"alice (pid {pair.Alice}): round"));
        bool attack = a.State != ProcessState.Exited || progress < Rounds;
        string eveStatus = e.State == ProcessState.Killed ? $"killed: {e.KillReason}"
            : k.Console.Contains($"eve: page_alloc({pair.Target}) succeeded? 1") ? "page_alloc obeyed, eve exited" : "page_alloc returned -1, eve exited";
        bool ok = vulnerable ? attack : !attack;
        return new($"alice prints {Rounds} rounds. eve calls page_alloc(0x{pair.Target:x}) instead of page_alloc(0x110000): one changed argument, the address of alice's page table.",
            ok, vulnerable
                ? ok ? "the vulnerable kernel, acting for eve, wiped alice's page table: alice died mid-run" : "the attack failed even on the vulnerable kernel"
                : ok ? "the fixed kernel refused (page_alloc returned -1) and alice ran to the end" : "alice was damaged despite the check")
        {
            Facts = [new("alice rounds printed", $"{progress} of {Rounds}"), new("eve", eveStatus)],
            BrokenOnPurpose = vulnerable,
            Extra = new FriendsRun(attack, progress, eveStatus),
        };
    }
}

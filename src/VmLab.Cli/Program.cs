using System.CommandLine;
using VmLab.Cli.Commands;
using VmLab.Cli.Commands.Sim;

namespace VmLab.Cli;

/// <summary>Wires the verbs of <c>vmlab</c>; each verb lives in its own file under Commands/.</summary>
internal static class Program
{
    internal const string Overview =
        "vmlab - virtual memory, hands-on. Real experiments on the real Linux kernel, and a simulated machine "
        + "with x86-64 paging (4-level tables, PTE bits, error codes, TLB), an x86-64 CPU for C user programs and a teaching "
        + "kernel. Start with 'vmlab tour'.";

    /// <summary>The whole command tree, built fresh for every run (parsing state never leaks between runs).</summary>
    internal static RootCommand Build() => new(Overview)
    {
        // Real Linux, seed 000: the memory-virtualization programs and print_map, in the seed's order.
        AnonCommand.Create(),
        CowCommand.Create(),
        ForkCommand.Create(),
        IdempotentCommand.Create(),
        MmapCommand.Create(),
        OnDemandCommand.Create(),
        PthreadCommand.Create(),
        PageMapCommand.Create(),

        // Real Linux, seed 001: friendly segfaults (Part A) and lazy copy-on-write chunks (Part B).
        FriendlyCommand.Create(),
        LazyCopyCommand.Create(),

        // The simulated machine, seed 003, and its Part D maze.
        SimCommand.Create(),
        MazeCommand.Create(),

        // The seeds' coding exercises as labs, and seeded quizzes.
        LabCommand.Create(),
        QuizCommand.Create(),
        // The simulated machine in a browser.
        WebCommand.Create(),

        TourCommand.Create(),
        CompletionCommand.Create(),
    };

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs vmlab in-process with the given writers (the tests and the tour use this).</summary>
    internal static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        Runner.Run(Build(), args, output, error);
}

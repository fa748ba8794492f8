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

    /// <summary>The verbs, in the order help lists them.</summary>
    internal static readonly VerbSpec[] Verbs =
    [
        // Real Linux, seed 000: the memory-virtualization programs and print_map, in the seed's order.
        new("anon", AnonCommand.Create),
        new("cow", CowCommand.Create),
        new("fork", ForkCommand.Create),
        new("idempotent", IdempotentCommand.Create),
        new("mmap", MmapCommand.Create),
        new("ondemand", OnDemandCommand.Create),
        new("pthread", PthreadCommand.Create),
        new("pagemap", PageMapCommand.Create),

        // Real Linux, seed 001: friendly segfaults (Part A) and lazy copy-on-write chunks (Part B).
        new("friendly", FriendlyCommand.Create),
        new("lazycopy", LazyCopyCommand.Create),

        // The simulated machine, seed 003, and its Part D maze.
        new("sim", SimCommand.Create),
        new("maze", MazeCommand.Create),

        // The seeds' coding exercises as labs, and seeded quizzes.
        new("lab", LabCommand.Create),
        new("quiz", QuizCommand.Create),
        // The simulated machine in a browser.
        new("web", WebCommand.Create),

        new("tour", TourCommand.Create),
        new("completion", CompletionCommand.Create),
    ];

    /// <summary>The command tree, built fresh for every run (parsing state never leaks between runs): for a
    /// command line that names a verb, that verb only (see <see cref="VerbSet"/>); for '--version' alone, none; for
    /// any other, every verb.</summary>
    internal static RootCommand Build(IReadOnlyList<string>? args = null)
    {
        var root = new RootCommand(Overview);
        // 'vmlab --version' alone prints the version: building every verb for it took half its time
        if (args is not ["--version"])
            foreach (var verb in VerbSet.Build(args, Verbs))
                root.Add(verb);
        return root;
    }

    public static int Main(string[] args)
    {
        Warmup.Start(args);
        return Runner.Run(Build, args, () => Console.Out, () => Console.Error);
    }

    /// <summary>Runs vmlab in-process with the given writers (the tests and the tour use this).</summary>
    internal static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        Runner.Run(Build, args, output, error);
}

using VmLab.Cli.Commands;
using VmLab.Cli.Commands.Sim;
using VmLab.Cli.Framework;

namespace VmLab.Cli;

/// <summary>Wires the verbs of <c>vmlab</c>; each verb lives in its own file under Commands/.</summary>
internal static class Program
{
    internal const string Overview = """
        vmlab - virtual memory, hands-on.
        Real experiments on the real Linux kernel, and a simulated x86-64 machine with a teaching kernel.
        Start with 'vmlab tour'.
        """;

    internal static IReadOnlyList<ICommand> Commands { get; } = Build();

    private static ICommand[] Build()
    {
        ICommand[] all = null!;
        all =
        [
            // Real Linux, seed 000: the memory-virtualization programs and print_map.
            // In the seed's order (anon, cow, fork, idempotent, mmap, ondemand, pthread), then print_map's verb.
            new AnonCommand(),
            new CowCommand(),
            new ForkCommand(),
            new IdempotentCommand(),
            new MmapCommand(),
            new OnDemandCommand(),
            new PthreadCommand(),
            new PageMapCommand(),

            // Real Linux, seed 001 Part A: friendly segfaults.
            new FriendlyCommand(),

            // Real Linux, seed 001 Part B: lazy copy-on-write chunks.
            new LazyCopyCommand(),

            // The simulated machine, seed 003.
            new CommandGroup("sim", "the simulated x86-64 machine: paging exercises and the teaching kernel",
                """
                vmlab sim - a faithful simulated x86-64 machine (4-level paging, MMU, TLB) and a WeensyOS-style
                teaching kernel. Pure managed code: it runs on any OS.
                """
                // Paging core: exercises of Part A and the page walk.
                , new CheckMappingCommand()
                , new MapCallsCommand()
                , new PagesCommand()
                , new WalkCommand()
                , new TlbCommand()

                // Teaching kernel: scenarios.
                , new Commands.Sim.AsmCommand()
                , new Commands.Sim.DisasmCommand()
                , new Commands.Sim.CpuCommand()
                , ScenarioCommand.Group()
                , new Commands.Sim.MemoryCommand()
                ),

            // Seed 003 Part D: the maze.
            MazeCommand.Create(),

            // The simulated machine in a browser.
            new WebCommand(),

            new TourCommand(() => all),
        ];
        return all;
    }

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        Dispatcher.Run("vmlab", Overview, Commands, args, output, error);
}

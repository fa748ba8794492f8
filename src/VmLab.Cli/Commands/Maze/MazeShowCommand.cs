using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze show</c>: the maze, and which of the seed's facts it satisfies.</summary>
internal sealed class MazeShowCommand : ICommand
{
    public string Name => "show";

    public string Summary => "print the maze and check it against every fact the seed's text gives";

    public string Help => $$"""
        usage: vmlab maze show [--file PATH] [--text | --json]

        Prints every room, its colour and where its 0-exit and 1-exit lead, then checks the maze against every
        fact the seed's text gives (room 1's 0-exit -> 3, room 3's 0-exit -> 8, pits off 3 and 9, colours of 6-9),
        what its exercises presuppose (D1, D2 and D5 have answers) and the reconstruction's design goals. The
        seed's picture is not available: the built-in maze is a reconstruction consistent with all of them. Draw
        your own reading of the picture into a file and check it here.

          --file PATH    the maze to check (default: the built-in reconstruction)
          --text         print only the maze in file syntax (a starting point for your own file)
          --json         {"source","reconstruction","rooms":[{"name","colour","exit0","exit1"}],
                          "facts":[{"kind","text","holds"}],"consistent_with_seed"}

        Exit status 0 when every seed and exercise fact holds, 1 when one does not.

        {{MazeCli.FileFormat}}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json, text = ctx.Args.Flag("--text");
        var input = MazeCli.Load(ctx.Args);
        ctx.Args.End();
        var maze = input.Maze;
        if (text && json)
            throw new UsageException("give --text or --json, not both");
        if (text)
        {
            ctx.Out.Write(input.IsReconstruction ? SeedMaze.Text.TrimEnd() + "\n" : maze.ToText());
            return 0;
        }
        var checks = SeedMaze.Check(maze);
        bool consistent = checks.Where(c => c.Kind != MazeFactKind.Design).All(c => c.Holds);

        if (json)
        {
            ctx.WriteJson(new
            {
                input.Source,
                Reconstruction = input.IsReconstruction,
                Rooms = maze.Rooms.Select(r => new { r.Name, r.Colour, Exit0 = r.Exit0, Exit1 = r.Exit1 }),
                Facts = checks,
                ConsistentWithSeed = consistent,
            });
            return consistent ? 0 : 1;
        }

        var report = ctx.Report();
        report.Title("The maze (seed 003 Part D)");
        report.Explain(input.IsReconstruction
            ? "The seed's picture of the maze is not available. This maze is a reconstruction: it satisfies every fact "
              + "the seed's text states, everything its exercises presuppose, and was chosen so that D1-D5 have clear "
              + "answers. Every fact below is checked against the maze now, not assumed."
            : $"Maze read from {input.Source}. The seed's facts are checked against it below.");
        MazeCli.Source(report, input);
        report.Section("Rooms");
        report.Table(["room", "colour", "0-exit", "1-exit"],
            maze.Rooms.Select(r => (IReadOnlyList<string>)[r.Name, r.Colour, r.Exit0, r.Exit1]));
        report.Section("Facts");
        report.Table(["", "from", "fact"],
            checks.Select(c => (IReadOnlyList<string>)[c.Holds ? "ok" : "NO", Kind(c.Kind), c.Text]));
        report.Section("The page-table view");
        report.Explain(MazeCli.Analogy);
        int failed = checks.Count(c => !c.Holds && c.Kind != MazeFactKind.Design);
        report.Verdict(consistent, consistent
            ? $"this maze satisfies all {checks.Count(c => c.Kind != MazeFactKind.Design)} facts of the seed's text and exercises"
            : $"this maze contradicts {failed} fact(s) of the seed's text or exercises");
        return consistent ? 0 : 1;
    }

    private static string Kind(MazeFactKind kind) => kind switch
    {
        MazeFactKind.Seed => "seed text",
        MazeFactKind.Exercise => "exercises",
        _ => "design",
    };
}

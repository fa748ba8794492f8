using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze show</c>: the maze, and which of the seed's facts it satisfies.</summary>
internal static class MazeShowCommand
{
    /// <summary>Rooms listed in the human report; the rest are counted (--text or --json give all).</summary>
    private const int RoomsShown = 64;

    public static Verb Create()

    {

        var text = Opt.Flag("--text", "print only the maze in file syntax (a starting point for your own file)");

        return new Verb("show", "print the maze and check it against every fact the seed's text gives",
            $"""
            Prints every room, its colour and where its 0-exit and 1-exit lead, then checks the maze against every
            fact the seed's text gives (room 1's 0-exit -> 3, room 3's 0-exit -> 8, pits off 3 and 9, colours of 6-9),
            what its exercises presuppose (D1, D2 and D5 have answers) and the reconstruction's design goals. The
            seed's picture is not available: the built-in maze is a reconstruction consistent with all of them. Draw
            your own reading of the picture into a file and check it here.

            Exit status 0 when every seed and exercise fact holds, 1 when one does not.

            {MazeCli.FileFormat}
            """,
            """{"source","reconstruction","rooms":[{"name","colour","exit0","exit1"}],"facts":[{"kind","text","holds"}],"consistent_with_seed"}""",
            "vmlab maze show", "vmlab maze show --text > my-maze.txt", "vmlab maze show --file my-maze.txt")
            .Solves(steps: false, run =>
        {
            var (input, maze, ctx) = (run.Input, run.Maze, run.Ctx);
            if (ctx.Get(text) && ctx.Json)
                throw new UsageException("give --text or --json, not both");
            if (ctx.Get(text))
            {
                ctx.Out.Write(input.IsReconstruction ? SeedMaze.Text.TrimEnd() + "\n" : maze.ToText());
                return null;
            }
            var checks = SeedMaze.Check(maze);
            bool consistent = checks.Where(c => c.Kind != MazeFactKind.Design).All(c => c.Holds);
            var json = new
            {
                input.Source,
                Reconstruction = input.IsReconstruction,
                Rooms = maze.Rooms.Select(r => new { r.Name, r.Colour, r.Exit0, r.Exit1 }),
                Facts = checks,
                ConsistentWithSeed = consistent,
            };
            return new MazeResult(json, consistent, "The maze (seed 003 Part D)", input.IsReconstruction
                ? "The seed's picture of the maze is not available. This maze is a reconstruction: it satisfies every fact "
                  + "the seed's text states, everything its exercises presuppose, and was chosen so that D1-D5 have clear "
                  + "answers. Every fact below is checked against the maze now, not assumed."
                : $"Maze read from {input.Source}. The seed's facts are checked against it below.", report =>
            {
                report.Section("Rooms");
                report.Table(["room", "colour", "0-exit", "1-exit"],
                    maze.Rooms.Take(RoomsShown).Select(r => (IReadOnlyList<string>)[r.Name, r.Colour, r.Exit0, r.Exit1]));
                if (maze.Count > RoomsShown)
                    report.Note($"{maze.Count - RoomsShown} more rooms not shown (--text or --json list them all)");
                report.Section("Facts");
                report.Table(["", "from", "fact"],
                    checks.Select(c => (IReadOnlyList<string>)[c.Holds ? "ok" : "NO", Kind(c.Kind), c.Text]));
                report.Section("The page-table view");
                report.Explain(MazeCli.Analogy);
                int failed = checks.Count(c => !c.Holds && c.Kind != MazeFactKind.Design);
                report.Verdict(consistent, $"this maze satisfies all {checks.Count(c => c.Kind != MazeFactKind.Design)} facts of the seed's text and exercises",
                    $"this maze contradicts {failed} fact(s) of the seed's text or exercises");
            });
        }, text);

    }

    private static string Kind(MazeFactKind kind) => kind switch
    {
        MazeFactKind.Seed => "seed text",
        MazeFactKind.Exercise => "exercises",
        _ => "design",
    };
}

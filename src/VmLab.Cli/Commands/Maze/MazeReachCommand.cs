using VmLab.Cli.Framework;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach START</c>: everything a start room reaches in exactly k steps.</summary>
internal sealed class MazeReachCommand : ICommand
{
    public string Name => "reach";

    public string Summary => "the rooms (and pits) reachable from a room in exactly k steps, walk by walk";

    public string Help => $$"""
        usage: vmlab maze reach START [--k N] [--file PATH] [--json]

        Lists where each of the 2^k walks of exactly k steps from START ends, and the set of rooms reached: the
        view of the world that the page table rooted at START gives. A walk that falls into a pit earlier counts
        as reaching a pit.

        {{MazeCli.CommonOptions}}
                         {"start","k","reachable":{"rooms":[…],"pit"},"paths":[{"path","end"}]}
                         ("paths" is null when 2^k > 1024)

        Exit status 0 when some room is reachable, 1 when every walk falls into a pit.
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var input = MazeCli.Load(ctx.Args);
        int k = MazeCli.K(ctx.Args);
        string? startName = ctx.Args.Positional();
        ctx.Args.End();
        var maze = input.Maze;
        int start = MazeCli.Room(maze, startName, "START");
        var reach = maze.Reach(start, k);
        var paths = MazeCli.Paths(maze, start, k);
        bool any = reach.Rooms.Count > 0;
        if (json)
        {
            ctx.WriteJson(new
            {
                Start = maze.Name(start),
                K = k,
                Reachable = new { Rooms = MazeCli.Names(maze, reach.Rooms), reach.Pit },
                Paths = paths,
            });
            return any ? 0 : 1;
        }

        var report = ctx.Report();
        report.Title($"What room {maze.Name(start)} reaches in exactly {k} step(s)");
        report.Explain($"Every {k}-bit address translated through the page table rooted at room {maze.Name(start)}.");
        MazeCli.Source(report, input);
        if (paths is not null)
        {
            report.Section("Walks");
            report.Table(["bits", "ends in"], paths.Select(p => (IReadOnlyList<string>)[p.Path, p.End]));
        }
        report.Section("Reached");
        report.Fact("rooms", MazeCli.List(maze, reach.Rooms));
        report.Fact("a death pit (fault)", reach.Pit ? "yes" : "no");
        report.Verdict(any, any
            ? $"from room {maze.Name(start)}, {reach.Rooms.Count} distinct room(s) are reachable in exactly {k} step(s)"
            : $"from room {maze.Name(start)}, every {k}-step walk falls into a pit");
        return any ? 0 : 1;
    }
}

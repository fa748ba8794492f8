using VmLab.Cli.Framework;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach START</c>: everything a start room reaches in exactly k steps.</summary>
internal static class MazeReachCommand
{
    public static Verb Create()
    {
        var file = MazeCli.File();
        var k = MazeCli.K();
        var start = Opt.Positional("START", "the starting room");
        return new Verb("reach", "the rooms (and pits) reachable from a room in exactly k steps, walk by walk",
            """
            Lists where each of the 2^k walks of exactly k steps from START ends, and the set of rooms reached: the
            view of the world that the page table rooted at START gives. A walk that falls into a pit earlier counts
            as reaching a pit.

            Exit status 0 when some room is reachable, 1 when every walk falls into a pit.
            """,
            """{"start","k","reachable":{"rooms":[…],"pit"},"paths":[{"path","end"}]} ("paths" is null when 2^k > 1024)""",
            "vmlab maze reach 3", "vmlab maze reach 3 --k 4 --json")
            .Takes(start, file, k).Does(ctx =>
        {
            var input = MazeCli.Load(ctx.Get(file));
            var maze = input.Maze;
            int steps = (int)ctx.Get(k);
            int from = MazeCli.Room(maze, ctx.Get(start), "START");
            var reach = maze.Reach(from, steps);
            var paths = MazeCli.Paths(maze, from, steps);
            bool any = reach.Rooms.Count > 0;
            var json = new
            {
                Start = maze.Name(from),
                K = steps,
                Reachable = new { Rooms = MazeCli.Names(maze, reach.Rooms), reach.Pit },
                Paths = paths,
            };
            return ctx.Emit(json, any, report =>
            {
                report.Title($"What room {maze.Name(from)} reaches in exactly {steps} step(s)");
                report.Explain($"Every {steps}-bit address translated through the page table rooted at room {maze.Name(from)}.");
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
                    ? $"from room {maze.Name(from)}, {reach.Rooms.Count} distinct room(s) are reachable in exactly {steps} step(s)"
                    : $"from room {maze.Name(from)}, every {steps}-step walk falls into a pit");
            });
        });
    }
}

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach START</c>: everything a start room reaches in exactly k steps.</summary>
internal static class MazeReachCommand
{
    public static Verb Create()
    {
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
            .Solves(steps: true, run =>
        {
            var (maze, k) = (run.Maze, run.K);
            int from = MazeCli.Room(maze, run.Ctx.Get(start), "START");
            var (reach, paths) = (maze.Reach(from, k), MazeCli.Paths(maze, from, k));
            bool any = reach.Rooms.Count > 0;
            var json = new { Start = maze.Name(from), K = k, Reachable = new { Rooms = MazeCli.Names(maze, reach.Rooms), reach.Pit }, Paths = paths };
            return new MazeResult(json, any, $"What room {maze.Name(from)} reaches in exactly {k} step(s)",
                $"Every {k}-bit address translated through the page table rooted at room {maze.Name(from)}.", report =>
            {
                if (paths is not null)
                {
                    report.Section("Walks");
                    report.Table(["bits", "ends in"], paths.Select(p => (IReadOnlyList<string>)[p.Path, p.End]));
                }
                report.Section("Reached");
                report.Fact("rooms", MazeCli.List(maze, reach.Rooms));
                report.Fact("a death pit (fault)", reach.Pit ? "yes" : "no");
                report.Verdict(any, $"from room {maze.Name(from)}, {reach.Rooms.Count} distinct room(s) are reachable in exactly {k} step(s)",
                    $"from room {maze.Name(from)}, every {k}-step walk falls into a pit");
            });
        }, start);
    }
}

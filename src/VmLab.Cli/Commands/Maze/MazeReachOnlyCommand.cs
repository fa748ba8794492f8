using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach-only</c>: exercise D2.</summary>
internal static class MazeReachOnlyCommand
{
    public static Verb Create()
    {
        var file = MazeCli.File();
        var k = MazeCli.K();
        var rooms = MazeCli.Rooms();
        var colours = MazeCli.Colours("blue");
        return new Verb("reach-only", "D2: starting rooms from which only rooms of a set (and pits) are reachable in exactly k steps",
            """
            Exercise D2: which starting rooms reach only rooms of the set (default: the blue rooms) or death pits in
            exactly k steps? A start room whose walks all fall into pits qualifies vacuously; it is listed under
            "vacuous" as well. In page-table terms: an address space that maps nothing outside the set.

            Exit status 0 when at least one starting room qualifies, 1 when none does.
            """,
            """{"k","set":[…],"start_rooms":[…],"vacuous":[…]}""",
            "vmlab maze reach-only", "vmlab maze reach-only --colours blue,red --k 3")
            .Takes(rooms, colours, file, k).Does(ctx =>
        {
            var input = MazeCli.Load(ctx.Get(file));
            var set = MazeCli.Set(input.Maze, ctx.Get(rooms), ctx.Get(colours), "blue");
            var answer = MazeExercises.ReachOnly(input.Maze, (int)ctx.Get(k), set);
            var maze = input.Maze;
            bool found = answer.StartRooms.Count > 0;
            return ctx.Emit(Json(maze, answer), found, report =>
            {
                report.Title($"D2: which start rooms reach only {MazeCli.List(maze, answer.Set)} and pits in exactly {answer.K} steps?");
                report.Explain("A start room qualifies when every walk of exactly k steps ends in a room of the set or falls "
                    + "into a death pit. The walks of each answer are shown.");
                MazeCli.Source(report, input);
                report.Section("Answer");
                foreach (int s in answer.StartRooms.Take(64))
                    report.Fact($"from room {maze.Name(s)}{(answer.Vacuous.Contains(s) ? " (vacuous)" : "")}", MazeCli.PathsLine(maze, s, answer.K));
                report.Verdict(found, found
                    ? $"D2: start in room {MazeCli.List(maze, answer.StartRooms)}"
                    : $"D2: every start room reaches some room outside {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps");
            });
        });
    }

    internal static object Json(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) => new
    {
        a.K,
        Set = MazeCli.Names(maze, a.Set),
        StartRooms = MazeCli.Names(maze, a.StartRooms),
        Vacuous = MazeCli.Names(maze, a.Vacuous.Where(a.StartRooms.Contains)),
    };
}

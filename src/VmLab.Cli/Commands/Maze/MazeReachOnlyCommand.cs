using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach-only</c>: exercise D2.</summary>
internal sealed class MazeReachOnlyCommand : ICommand
{
    public string Name => "reach-only";

    public string Summary => "D2: starting rooms from which only rooms of a set (and pits) are reachable in exactly k steps";

    public string Help => $$"""
        usage: vmlab maze reach-only [--rooms A,B,… | --colours C,…] [--k N] [--file PATH] [--json]

        Exercise D2: which starting rooms reach only rooms of the set (default: the blue rooms) or death pits in
        exactly k steps? A start room whose walks all fall into pits qualifies vacuously; it is listed under
        "vacuous" as well. In page-table terms: an address space that maps nothing outside the set.

          --rooms A,B    the set, by room name
          --colours C,D  the set, by colour (default: blue)
        {{MazeCli.CommonOptions}}
                         {"k","set":[…],"start_rooms":[…],"vacuous":[…]}

        Exit status 0 when at least one starting room qualifies, 1 when none does.
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var input = MazeCli.Load(ctx.Args);
        int k = MazeCli.K(ctx.Args);
        var set = MazeCli.Set(input.Maze, ctx.Args, "blue");
        ctx.Args.End();
        var answer = MazeExercises.ReachOnly(input.Maze, k, set);
        return Print(ctx, input, answer, json);
    }

    internal static int Print(CommandContext ctx, MazeInput input, StartRoomsAnswer answer, bool json)
    {
        var maze = input.Maze;
        bool found = answer.StartRooms.Count > 0;
        if (json)
        {
            ctx.WriteJson(Json(maze, answer));
            return found ? 0 : 1;
        }
        var report = ctx.Report();
        report.Title($"D2: which start rooms reach only {MazeCli.List(maze, answer.Set)} and pits in exactly {answer.K} steps?");
        report.Explain("A start room qualifies when every walk of exactly k steps ends in a room of the set or falls "
            + "into a death pit. The walks of each answer are shown.");
        MazeCli.Source(report, input);
        report.Section("Answer");
        foreach (int s in answer.StartRooms)
            report.Fact($"from room {maze.Name(s)}{(answer.Vacuous.Contains(s) ? " (vacuous)" : "")}", MazeCli.PathsLine(maze, s, answer.K));
        report.Verdict(found, found
            ? $"D2: start in room {MazeCli.List(maze, answer.StartRooms)}"
            : $"D2: every start room reaches some room outside {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps");
        return found ? 0 : 1;
    }

    internal static object Json(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) => new
    {
        a.K,
        Set = MazeCli.Names(maze, a.Set),
        StartRooms = MazeCli.Names(maze, a.StartRooms),
        Vacuous = MazeCli.Names(maze, a.Vacuous.Where(a.StartRooms.Contains)),
    };
}

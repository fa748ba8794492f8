using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach-all</c>: exercise D1.</summary>
internal sealed class MazeReachAllCommand : ICommand
{
    public string Name => "reach-all";

    public string Summary => "D1: starting rooms from which every room of a set is reachable in exactly k steps";

    public string Help => $$"""
        usage: vmlab maze reach-all [--rooms A,B,… | --colours C,…] [--k N] [--file PATH] [--json]

        Exercise D1: which starting rooms reach every room of the set (default: all blue and red rooms) in exactly
        k steps? Each start room is a different page table: only some of them map all of the set.

          --rooms A,B    the set, by room name
          --colours C,D  the set, by colour (default: blue,red)
        {{MazeCli.CommonOptions}}
                         {"k","set":[…],"start_rooms":[…]}

        Exit status 0 when at least one starting room qualifies, 1 when none does.
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var input = MazeCli.Load(ctx.Args);
        int k = MazeCli.K(ctx.Args);
        var set = MazeCli.Set(input.Maze, ctx.Args, "blue", "red");
        ctx.Args.End();
        var answer = MazeExercises.ReachAll(input.Maze, k, set);
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
        report.Title($"D1: which start rooms reach all of {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps?");
        report.Explain("A start room qualifies when the set of rooms its walks of exactly k steps end in contains the "
            + "whole set. The walks of each answer are shown.");
        MazeCli.Source(report, input);
        report.Section("Answer");
        foreach (int s in answer.StartRooms)
            report.Fact($"from room {maze.Name(s)}", MazeCli.PathsLine(maze, s, answer.K));
        report.Verdict(found, found
            ? $"D1: start in room {MazeCli.List(maze, answer.StartRooms)}"
            : $"D1: no start room reaches all of {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps");
        return found ? 0 : 1;
    }

    internal static object Json(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) =>
        new { a.K, Set = MazeCli.Names(maze, a.Set), StartRooms = MazeCli.Names(maze, a.StartRooms) };
}

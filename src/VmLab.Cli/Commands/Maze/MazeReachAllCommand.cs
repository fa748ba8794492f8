using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach-all</c>: exercise D1.</summary>
internal static class MazeReachAllCommand
{
    public static Verb Create()
    {
        var file = MazeCli.File();
        var k = MazeCli.K();
        var rooms = MazeCli.Rooms();
        var colours = MazeCli.Colours("blue,red");
        return new Verb("reach-all", "D1: starting rooms from which every room of a set is reachable in exactly k steps",
            """
            Exercise D1: which starting rooms reach every room of the set (default: all blue and red rooms) in exactly
            k steps? Each start room is a different page table: only some of them map all of the set.

            Exit status 0 when at least one starting room qualifies, 1 when none does.
            """,
            """{"k","set":[…],"start_rooms":[…]}""",
            "vmlab maze reach-all", "vmlab maze reach-all --rooms 6,8 --k 3")
            .Takes(rooms, colours, file, k).Does(ctx =>
        {
            var input = MazeCli.Load(ctx.Get(file));
            var set = MazeCli.Set(input.Maze, ctx.Get(rooms), ctx.Get(colours), "blue", "red");
            var answer = MazeExercises.ReachAll(input.Maze, (int)ctx.Get(k), set);
            var maze = input.Maze;
            bool found = answer.StartRooms.Count > 0;
            return ctx.Emit(Json(maze, answer), found, report =>
            {
                report.Title($"D1: which start rooms reach all of {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps?");
                report.Explain("A start room qualifies when the set of rooms its walks of exactly k steps end in contains the "
                    + "whole set. The walks of each answer are shown.");
                MazeCli.Source(report, input);
                report.Section("Answer");
                foreach (int s in answer.StartRooms.Take(64))
                    report.Fact($"from room {maze.Name(s)}", MazeCli.PathsLine(maze, s, answer.K));
                report.Verdict(found, found
                    ? $"D1: start in room {MazeCli.List(maze, answer.StartRooms)}"
                    : $"D1: no start room reaches all of {MazeCli.List(maze, answer.Set)} in exactly {answer.K} steps");
            });
        });
    }

    internal static object Json(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) =>
        new { a.K, Set = MazeCli.Names(maze, a.Set), StartRooms = MazeCli.Names(maze, a.StartRooms) };
}

using VmLab.Sim.Maze;
using MazeModel = VmLab.Sim.Maze.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze boring</c>: exercise D3.</summary>
internal static class MazeBoringCommand
{
    private const int RoomsShown = 64;

    public static Verb Create() => new Verb("boring", "D3: the most boring starting room (fewest other rooms reachable in exactly k steps)",
        """
        Exercise D3: for each starting room, count the distinct rooms other than itself that walks of exactly k
        steps end in (the seed's "other rooms"); the most boring start rooms have the minimum count. Pits are not
        rooms and never count. Ties: every room at the minimum is an answer, all are listed. The count that does
        include the start room (when a walk comes back to it) is shown too, with its own minimum.
        """,
        """{"k","minimum","start_rooms":[…],"minimum_including_start","start_rooms_including_start":[…],"rooms":[{"room","count","count_including_start"}]}""",
        "vmlab maze boring", "vmlab maze boring --k 3 --file my-maze.txt")
        .Solves(steps: true, run =>
    {
        var (maze, a) = (run.Maze, MazeExercises.MostBoring(run.Maze, run.K));
        return new MazeResult(Json(maze, a), true, $"D3: the most boring start room ({a.K} steps)",
            "For each start room: the number of distinct other rooms reached in exactly k steps (pits do not count), and "
            + "the same count including the start room when a walk returns to it.", report =>
        {
            report.Section("Counts");
            report.Table(["room", "other rooms", "incl. start", "reached"], Enumerable.Range(0, Math.Min(maze.Count, RoomsShown))
                .Select(s => (IReadOnlyList<string>)[maze.Name(s), a.Counts[s].ToString(), a.CountsIncludingStart[s].ToString(), Reached(maze, s, a.K)]));
            if (maze.Count > RoomsShown)
                report.Note($"{maze.Count - RoomsShown} more rooms not shown (see --json)");
            report.Fact("minimum (other rooms)", $"{a.Minimum}: room {MazeCli.List(maze, a.StartRooms)}");
            report.Fact("minimum (including start)", $"{a.MinimumIncludingStart}: room {MazeCli.List(maze, a.StartRoomsIncludingStart)}");
            bool same = a.StartRooms.SequenceEqual(a.StartRoomsIncludingStart);
            string tie = a.StartRooms.Count > 1 ? $" (a {a.StartRooms.Count}-way tie)" : "";
            report.Answer($"D3: the most boring start room is {MazeCli.List(maze, a.StartRooms)}{tie}, reaching "
                + $"{a.Minimum} other room(s){(same ? "; counting the start room too gives the same answer" : "")}");
        });
    });

    private static string Reached(MazeModel maze, int start, int k)
    {
        var reach = maze.Reach(start, k);
        return MazeCli.List(maze, reach.Rooms) + (reach.Pit ? " + pit" : "");
    }

    internal static object Json(MazeModel maze, BoringAnswer a) => new
    {
        a.K,
        a.Minimum,
        StartRooms = MazeCli.Names(maze, a.StartRooms),
        a.MinimumIncludingStart,
        StartRoomsIncludingStart = MazeCli.Names(maze, a.StartRoomsIncludingStart),
        Rooms = Enumerable.Range(0, maze.Count).Select(s => new { Room = maze.Name(s), Count = a.Counts[s], CountIncludingStart = a.CountsIncludingStart[s] }),
    };
}

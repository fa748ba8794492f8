using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze unreachable</c>: exercise D4.</summary>
internal static class MazeUnreachableCommand
{
    public static Verb Create() => new Verb("unreachable", "D4: rooms that no walk of exactly k steps reaches, whatever the starting room",
        """
        Exercise D4: which rooms can no walk of exactly k steps end in, from any starting room? Like a physical
        page that no page table maps at the last level: no address, under any CR3, translates to it. A room can
        be reachable in fewer steps and still be on this list.
        """,
        """{"k","rooms":[…]}""",
        "vmlab maze unreachable", "vmlab maze unreachable --k 3")
        .Solves(steps: true, run =>
    {
        var (maze, k) = (run.Maze, run.K);
        var rooms = MazeExercises.Unreachable(maze, k);
        return new MazeResult(Json(maze, k, rooms), true, $"D4: rooms no walk of exactly {k} steps reaches",
            "The union, over every start room, of the rooms reached in exactly k steps; the rooms left out are the answer. "
            + "For each, the rooms whose exits lead into it are shown.", report =>
        {
            report.Section("Answer");
            foreach (int r in rooms.Take(64))
            {
                var from = Enumerable.Range(0, maze.Count).Where(q => maze.Exit(q, 0) == r || maze.Exit(q, 1) == r).Take(8).ToList();
                report.Fact($"room {MazeCli.Label(maze, r)}", from.Count == 0
                    ? "no exit leads here at all"
                    : $"entered only from {MazeCli.List(maze, from)}, which no walk of {k - 1} step(s) reaches");
            }
            if (rooms.Count > 64)
                report.Note($"{rooms.Count - 64} more rooms not shown (see --json)");
            report.Answer(rooms.Count == 0
                ? $"D4: every room is reachable in exactly {k} steps from some start room"
                : $"D4: rooms {MazeCli.List(maze, rooms)} cannot be reached in exactly {k} steps, from anywhere");
        });
    });

    internal static object Json(VmLab.Sim.Maze.Maze maze, int k, IReadOnlyList<int> rooms) =>
        new { K = k, Rooms = MazeCli.Names(maze, rooms) };
}

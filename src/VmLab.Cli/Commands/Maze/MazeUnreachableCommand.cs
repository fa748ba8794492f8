using VmLab.Cli.Framework;
using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze unreachable</c>: exercise D4.</summary>
internal sealed class MazeUnreachableCommand : ICommand
{
    public string Name => "unreachable";

    public string Summary => "D4: rooms that no walk of exactly k steps reaches, whatever the starting room";

    public string Help => $$"""
        usage: vmlab maze unreachable [--k N] [--file PATH] [--json]

        Exercise D4: which rooms can no walk of exactly k steps end in, from any starting room? Like a physical
        page that no page table maps at the last level: no address, under any CR3, translates to it. A room can
        be reachable in fewer steps and still be on this list.

        {{MazeCli.CommonOptions}}
                         {"k","rooms":[…]}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var input = MazeCli.Load(ctx.Args);
        int k = MazeCli.K(ctx.Args);
        ctx.Args.End();
        return Print(ctx, input, k, MazeExercises.Unreachable(input.Maze, k), json);
    }

    internal static int Print(CommandContext ctx, MazeInput input, int k, IReadOnlyList<int> rooms, bool json)
    {
        var maze = input.Maze;
        if (json)
        {
            ctx.WriteJson(Json(maze, k, rooms));
            return 0;
        }
        var report = ctx.Report();
        report.Title($"D4: rooms no walk of exactly {k} steps reaches");
        report.Explain("The union, over every start room, of the rooms reached in exactly k steps; the rooms left "
            + "out are the answer. For each, the rooms whose exits lead into it are shown.");
        MazeCli.Source(report, input);
        report.Section("Answer");
        foreach (int r in rooms)
        {
            var from = Enumerable.Range(0, maze.Count).Where(q => maze.Exit(q, 0) == r || maze.Exit(q, 1) == r).ToList();
            report.Fact($"room {MazeCli.Label(maze, r)}", from.Count == 0
                ? "no exit leads here at all"
                : $"entered only from {MazeCli.List(maze, from)}, which no walk of {k - 1} step(s) reaches");
        }
        report.Verdict(true, rooms.Count == 0
            ? $"D4: every room is reachable in exactly {k} steps from some start room"
            : $"D4: rooms {MazeCli.List(maze, rooms)} cannot be reached in exactly {k} steps, from anywhere");
        return 0;
    }

    internal static object Json(VmLab.Sim.Maze.Maze maze, int k, IReadOnlyList<int> rooms) =>
        new { K = k, Rooms = MazeCli.Names(maze, rooms) };
}

using VmLab.Cli.Commands.Maze;
using VmLab.Cli.Framework;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab maze</c>: seed 003 Part D, the maze of rooms with a 0-exit and a 1-exit, and exercises D1-D5.</summary>
internal static class MazeCommand
{
    public static Verb Create() => new Verb("maze",
        "seed 003 Part D: walk a maze of rooms by bitstring; exercises D1-D5 (a page-table walk in disguise)",
        $"""
        Every room has a 0-exit and a 1-exit, leading to a room or a death pit. Pick a starting room and a
        bitstring; each bit picks the exit to take. The sub-commands answer exercises D1-D5 for the built-in maze
        (a reconstruction: the seed's picture is not available) or any maze file (--file).

        {MazeCli.AnalogyText}
        """,
        null,
        "vmlab maze answers", "vmlab maze show", "vmlab maze walk 1 00")
        .Takes(
            MazeShowCommand.Create(),
            MazeWalkCommand.Create(),
            MazeReachCommand.Create(),
            MazeReachAllCommand.Create(),
            MazeReachOnlyCommand.Create(),
            MazeBoringCommand.Create(),
            MazeUnreachableCommand.Create(),
            MazeDronesCommand.Create(),
            MazeAnswersCommand.Create());
}

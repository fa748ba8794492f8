using VmLab.Sim.Maze;
using MazeModel = VmLab.Sim.Maze.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze walk START BITS</c>: one walk, step by step, as a page-table walk.</summary>
internal static class MazeWalkCommand
{
    public static Verb Create()
    {
        var bitsOption = Opt.Positional("BITS", "the bitstring: one exit per bit, at most 4096 bits");
        var startOption = Opt.Positional("START", "the starting room");
        return new Verb("walk", "walk a bitstring from a starting room, one exit per bit (a pit ends the walk)",
            """
            Starts in room START and takes, for each bit of BITS in order, the room's 0-exit or 1-exit. Falling into a
            death pit ends the walk: that is a non-present page-table entry, a page fault. Example (from the seed):
            'vmlab maze walk 1 00' goes 1 -> 3 -> 8.

            Exit status 0 when the walk ends in a room, 1 when it falls into a pit.
            """,
            """{"start","path","steps":[{"level","bit","from","to"}],"end","fell_into_pit","pit_step"} ("end" and "to" are room names or "pit"; "pit_step" is null when no pit was hit)""",
            "vmlab maze walk 1 00", "vmlab maze walk 3 1 --json")
        {
            Tour = new("Seed 003 Part D, the maze: a bitstring walked from a starting room, one exit per bit, is a page-table walk "
                       + "with one bit per level. The seed's own example: from room 1, the bitstring 00 ends in room 8.",
                       "1", "00"),
        }.Solves(steps: false, run =>
        {
            var (maze, bits) = (run.Maze, run.Ctx.Get(bitsOption));
            int start = MazeCli.Room(maze, run.Ctx.Get(startOption), "START");
            if (bits is null)
                throw new UsageException("BITS is required (a bitstring such as 01)");
            if (bits.Length > 4096 || bits.Any(c => c is not ('0' or '1')))
                throw new UsageException($"BITS: '{(bits.Length > 40 ? bits[..40] + "…" : bits)}' is not a bitstring of at most 4096 0s and 1s");

            var walk = maze.Walk(start, bits);
            var steps = Enumerable.Range(1, walk.Visited.Count - 1)
                .Select(i => new WalkStep(i, bits[i - 1] - '0', maze.Name(walk.Visited[i - 1]), maze.TargetName(walk.Visited[i])))
                .ToList();
            bool landed = !walk.FellIntoPit;
            var json = new { Start = maze.Name(start), Path = bits, Steps = steps, End = maze.TargetName(walk.End), walk.FellIntoPit, walk.PitStep };
            return new MazeResult(json, landed, $"Walking {(bits.Length == 0 ? "the empty bitstring" : bits)} from room {maze.Name(start)}",
                "Each bit picks an exit of the room you are in, as each 9-bit field of a virtual address picks an entry of the "
                + "page-table page at its level. The start room plays CR3. A death pit is a non-present entry: the walk stops "
                + "there with a fault.", report =>
            {
                report.Fact("start room (CR3)", MazeCli.Label(maze, start));
                report.Section("Steps");
                report.Table(["level", "bit", "room", "exit taken", "leads to"],
                    steps.Select(s => (IReadOnlyList<string>)[s.Level.ToString(), s.Bit.ToString(), s.From, $"exit {s.Bit}",
                        s.To == MazeModel.PitName ? "death pit (fault)" : MazeCli.Label(maze, maze.IndexOf(s.To))]));
                report.Line();
                report.Fact("rooms visited", string.Join(" -> ", walk.Visited.Select(maze.TargetName)));
                report.Verdict(landed, $"the walk ends in room {MazeCli.Label(maze, walk.End)} after {bits.Length} step(s)",
                    $"the walk falls into a death pit at step {walk.PitStep} of {bits.Length}: a non-present entry, a page fault");
            });
        }, startOption, bitsOption);
    }

    private sealed record WalkStep(int Level, int Bit, string From, string To);
}

using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze answers</c>: exercises D1-D5 in one go.</summary>
internal static class MazeAnswersCommand
{
    public static Verb Create() => Create(MazeDronesCommand.Options(start: "D5's start room (default: 9 when the maze has it)",
        target: "D5's target room (default: 1 when the maze has it)"));

    private static Verb Create(DroneRooms rooms) => new Verb("answers", "solve D1-D5 in one go (built-in maze or --file), with the page-table reading of each",
        """
        Solves every exercise of seed 003 Part D on the maze, each computed now from the maze:
          D1 start rooms reaching all blue and red rooms in k steps  (reach-all)
          D2 start rooms reaching only blue rooms and pits           (reach-only)
          D3 the most boring start room                              (boring)
          D4 rooms no walk of exactly k steps reaches                (unreachable)
          D5 the fewest drones making --target reachable             (drones)
        For a file without rooms 9 and 1, D5 needs --start and --target (otherwise it is skipped).

        Exit status 0 when D1, D2 and D5 (when it runs) all have answers, 1 otherwise.
        """,
        """{"source","reconstruction","consistent_with_seed","k","d1","d2","d3","d4","d5","all_answered"}, where d1..d5 are the JSON objects of the sub-commands above (d5 null when skipped)""",
        "vmlab maze answers", "vmlab maze answers --k 3 --file my-maze.txt --start a --target b")
    {
        Tour = new("Seed 003 Part D, exercises D1-D5 solved on the maze: different start rooms (different page tables) give "
                   + "different views of the same dungeon, and drones (processes writing page-table entries) can only change "
                   + "the rooms they can reach."),
    }.Solves(steps: true, run =>
    {
        var (input, maze, k) = (run.Input, run.Maze, run.K);
        string? start = run.Ctx.Get(rooms.Start), target = run.Ctx.Get(rooms.Target);

        var blueRed = maze.RoomsColoured(["blue", "red"]);
        var blue = maze.RoomsColoured(["blue"]);
        var d1 = MazeExercises.ReachAll(maze, k, blueRed);
        var d2 = MazeExercises.ReachOnly(maze, k, blue);
        var d3 = MazeExercises.MostBoring(maze, k);
        var d4 = MazeExercises.Unreachable(maze, k);
        start ??= maze.IndexOf(SeedMaze.DroneStart) >= 0 ? SeedMaze.DroneStart : null;
        target ??= maze.IndexOf(SeedMaze.DroneTarget) >= 0 ? SeedMaze.DroneTarget : null;
        var d5 = start is null || target is null ? null
            : DroneSearch.Solve(maze, MazeCli.Room(maze, start, "--start"), MazeCli.Room(maze, target, "--target"), k);
        var facts = SeedMaze.Check(maze).Where(f => f.Kind != MazeFactKind.Design).ToList();
        bool ok1 = blueRed.Count > 0 && d1.StartRooms.Count > 0, ok2 = blue.Count > 0 && d2.StartRooms.Count > 0;
        var cross = d5 is null ? null : MazeDronesCommand.CrossCheck(maze, d5);
        bool all = ok1 && ok2 && (d5 is null || (d5.Possible && MazeDronesCommand.Agrees(d5, cross)));

        var json = new
        {
            input.Source,
            Reconstruction = input.IsReconstruction,
            ConsistentWithSeed = facts.All(f => f.Holds),
            K = k,
            D1 = MazeSetCommand.AllJson(maze, d1),
            D2 = MazeSetCommand.OnlyJson(maze, d2),
            D3 = MazeBoringCommand.Json(maze, d3),
            D4 = MazeUnreachableCommand.Json(maze, k, d4),
            D5 = d5 is null ? null : MazeDronesCommand.Json(maze, d5, cross),
            AllAnswered = all,
        };

        return new MazeResult(json, all, $"Seed 003 Part D: exercises D1-D5 with k = {k}", input.IsReconstruction
            ? "On the built-in maze: a reconstruction consistent with every fact of the seed's text (the picture is not "
              + "available; 'vmlab maze show' checks each fact). Every answer below is computed from the maze now."
            : $"On the maze in {input.Source}. Every answer below is computed from the maze now.", report =>
        {
            report.Fact("rooms (0-exit, 1-exit)", string.Join("  ", maze.Rooms.Select(r => $"{r.Name}:{r.Exit0},{r.Exit1}")));
            report.Fact("seed facts that hold", $"{facts.Count(f => f.Holds)} of {facts.Count} (room 1's 0-exit -> 3, "
                + "room 3's 0-exit -> 8, pits off 3 and 9, 6 and 8 blue, 7 and 9 red, D1/D2/D5 answerable; 'vmlab maze show')");
            report.Fact("blue / red", $"{MazeCli.List(maze, blue)} / {MazeCli.List(maze, maze.RoomsColoured(["red"]))}");

            report.Section($"D1: reach all blue and red rooms ({MazeCli.List(maze, blueRed)})");
            report.Fact("answer", ok1 ? $"start in room {MazeCli.List(maze, d1.StartRooms)}" : "no such room");
            foreach (int s in d1.StartRooms) report.Fact($"  walks from {maze.Name(s)}", MazeCli.PathsLine(maze, s, k));
            report.Note("a different start room is a different CR3: only this page table maps every coloured room.");

            report.Section($"D2: reach only blue rooms ({MazeCli.List(maze, blue)}) and death pits");
            report.Fact("answer", ok2 ? $"start in room {MazeCli.List(maze, d2.StartRooms)}" : "no such room");
            foreach (int s in d2.StartRooms) report.Fact($"  walks from {maze.Name(s)}", MazeCli.PathsLine(maze, s, k));
            report.Note("the pits are non-present entries: those addresses fault instead of reaching a room.");

            report.Section("D3: the most boring start room");
            report.Fact("answer", $"room {MazeCli.List(maze, d3.StartRooms)}: {d3.Minimum} other room(s) reachable"
                + (d3.StartRooms.Count > 1 ? " (tie)" : ""));
            foreach (int s in d3.StartRooms) report.Fact($"  walks from {maze.Name(s)}", MazeCli.PathsLine(maze, s, k));
            report.Note($"pits do not count; counting the start room itself, the minimum is {d3.MinimumIncludingStart} "
                + $"(room {MazeCli.List(maze, d3.StartRoomsIncludingStart)}).");

            report.Section("D4: rooms no walk of exactly k steps reaches");
            report.Fact("answer", d4.Count == 0 ? "none: every room is reachable" : $"rooms {MazeCli.List(maze, d4)}");
            report.Note("like a physical page no last-level entry points to: no address under any CR3 translates to it.");

            report.Section(d5 is null ? "D5: drones (skipped: give --start and --target)" : $"D5: drones, from room {start} to room {target}");
            if (d5 is not null)
            {
                report.Fact("answer", d5.Possible ? $"{d5.Drones.Count} drone(s)" : "impossible");
                foreach (var (d, i) in d5.Drones.Select((d, i) => (d, i)))
                    report.Fact($"  drone {i + 1}", $"fly {d.Path} to room {maze.Name(d.Room)}, re-route its {d.Exit}-exit "
                        + $"from {maze.TargetName(d.OldTarget)} to {maze.TargetName(d.NewTarget)}");
                if (d5.Walk is { } walk)
                    report.Fact("  then walk", $"{walk}: {string.Join(" -> ", d5.Final.Walk(d5.Start, walk).Visited.Select(maze.TargetName))}");
                report.Fact("  why minimal", d5.Reason);
                report.Fact("  cross-check", MazeDronesCommand.CrossCheckText(d5, cross));
                report.Note("a drone is a process writing page-table entries: it can only change rooms it can reach. "
                    + "A kernel never maps page tables where a process can reach them; then nothing a process reaches "
                    + "steers a walk, and no number of drones helps (isolation).");
            }

            report.Section("The page-table view");
            report.Explain(MazeCli.Analogy);
            report.Verdict(all, $"D1: {MazeCli.List(maze, d1.StartRooms)}; D2: {MazeCli.List(maze, d2.StartRooms)}; D3: {MazeCli.List(maze, d3.StartRooms)}; "
                  + $"D4: {MazeCli.List(maze, d4)}; D5: {(d5 is null ? "skipped" : $"{d5.Drones.Count} drone(s)")}",
                "not every exercise has an answer on this maze (see above)");
        });
    }, rooms.Start, rooms.Target);
}

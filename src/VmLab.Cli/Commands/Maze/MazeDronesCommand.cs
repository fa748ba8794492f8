using System.CommandLine;
using VmLab.Sim.Maze;
using MazeModel = VmLab.Sim.Maze.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze drones</c>: exercise D5.</summary>
internal static class MazeDronesCommand
{
    public static Verb Create() => Create(Options(start: "where you (and the drones) start (default: 9, as in the seed)",
        target: "the room to reach (default: 1, as in the seed)"));

    private static Verb Create(DroneRooms rooms) => new Verb("drones", "D5: the fewest drones (and their instructions) that make a target reachable in exactly k steps",
        $$"""
        Exercise D5. A drone starts in the start room, flies k steps along a bitstring through the maze as it is
        when the drone is sent, and re-routes one exit of the room it arrives in to any room or a pit. Finds the
        fewest drones, sent one after another, after which some walk of exactly k steps goes from the start room
        to the target, and prints each drone's instructions and a walk that proves it.

        The search is exact: the answer is always 0, 1, 2 or impossible. Only rooms that a drone reaches AND that
        some walk of fewer than k steps passes through ("steering rooms") can change where k-step walks go; if there
        are none, it is impossible forever (that is isolation: a process cannot change page tables it cannot reach).
        Otherwise two drones always suffice (a self-loop, then a re-route), so the search tries every one-drone
        option (each steering room, each exit, each new target) and falls back to the two-drone construction.
        Mazes whose one-drone search would exceed {{DroneSearch.MaxWork}} room-steps are refused (exit status 1).
        Proofs: docs/maze.md. As a cross-check, a plain breadth-first search over every sequence of up to two
        drones (no pruning) runs too, unless it would check more than {{CrossCheckStates}} mazes (fewer for big
        mazes: at most {{CrossCheckWork}} room-steps); "cross_check" is then null. The verdict requires both to agree.

        Exit status 0 when the target can be made reachable, 1 when it cannot.
        """,
        """{"k","start","target","possible","count","drones":[{"path","room","exit","old_target","new_target"}],"walk","reason","drone_rooms":[…],"steering_rooms":[…],"options_tried","cross_check":{"max_drones","states","minimum","plans","agrees"}} ("count" and "walk" are null when impossible; targets are room names or "pit")""",
        "vmlab maze drones", "vmlab maze drones --start 9 --target 1 --k 3")
        .Solves(steps: true, run =>
    {
        var maze = run.Maze;
        string start = run.Ctx.Get(rooms.Start) ?? SeedMaze.DroneStart, target = run.Ctx.Get(rooms.Target) ?? SeedMaze.DroneTarget;
        var plan = DroneSearch.Solve(maze, MazeCli.Room(maze, start, "--start"), MazeCli.Room(maze, target, "--target"), run.K);
        var cross = CrossCheck(maze, plan);
        bool holds = plan.Possible && Agrees(plan, cross);
        return new MazeResult(Json(maze, plan, cross), holds,
            $"D5: drones to make room {maze.Name(plan.Target)} reachable from room {maze.Name(plan.Start)} in exactly {plan.K} steps",
            "A drone is a process writing a page-table entry: it can only change a room it can reach. "
            + "Only rooms that are also passed through by shorter walks steer where walks go.", report =>
        {
            report.Fact($"rooms a drone can reach ({plan.K} steps)", MazeCli.List(maze, plan.DroneRooms));
            report.Fact("of those, rooms that steer walks", MazeCli.List(maze, plan.SteeringRooms));
            report.Fact("one-drone options tried", plan.OptionsTried);
            if (plan.Drones.Count > 0)
            {
                report.Section("Drones, sent in this order");
                report.Table(["drone", "path", "arrives in", "re-routes", "from", "to"],
                    plan.Drones.Select((d, i) => (IReadOnlyList<string>)[(i + 1).ToString(), d.Path, maze.Name(d.Room),
                        $"exit {d.Exit}", maze.TargetName(d.OldTarget), maze.TargetName(d.NewTarget)]));
            }
            if (plan.Walk is { } walk)
            {
                var visited = plan.Final.Walk(plan.Start, walk).Visited;
                report.Line();
                report.Fact("then the walk", $"{walk}: {string.Join(" -> ", visited.Select(maze.TargetName))}");
            }
            report.Line();
            report.Fact("why", plan.Reason);
            report.Fact("cross-check", CrossCheckText(plan, cross));
            report.Verdict(holds, !Agrees(plan, cross)
                ? "D5: the exact search and the plain search disagree"
                : plan.Possible
                ? $"D5: {plan.Drones.Count} drone(s) needed, and that is the minimum"
                : $"D5: impossible: no sequence of drones makes room {maze.Name(plan.Target)} reachable in exactly {plan.K} steps");
        });
    }, rooms.Start, rooms.Target);

    /// <summary>--start and --target, as D5 words them.</summary>
    internal static DroneRooms Options(string start, string target) =>
        new(Opt.Text("--start", start, "ROOM"), Opt.Text("--target", target, "ROOM"));

    /// <summary>Mazes the plain search may check before the cross-check is skipped; fewer for big mazes, since
    /// it keeps one level of mazes in memory and walks each (room-steps bounded by <see cref="CrossCheckWork"/>).</summary>
    internal const long CrossCheckStates = 200_000, CrossCheckWork = 50_000_000;

    internal static long CrossCheckLimit(MazeModel maze, int k) =>
        Math.Min(CrossCheckStates, CrossCheckWork / ((long)maze.Count * (k + 1)));

    internal static DroneCrossCheck? CrossCheck(MazeModel maze, DronePlan plan) =>
        DroneBruteForce.Run(maze, plan.Start, plan.Target, plan.K, 2, CrossCheckLimit(maze, plan.K));

    internal static bool Agrees(DronePlan plan, DroneCrossCheck? cross) =>
        cross is null || cross.Minimum == (plan.Possible ? plan.Drones.Count : null);

    internal static string CrossCheckText(DronePlan plan, DroneCrossCheck? cross) => cross is null
        ? $"skipped (more than {CrossCheckLimit(plan.Final, plan.K)} maze states for a maze this size)"
        : $"plain search over every sequence of up to {cross.MaxDrones} drones ({cross.States} maze states) finds "
          + (cross.Minimum is { } min ? $"minimum {min} ({cross.Plans} working sequence(s))" : "no solution")
          + (Agrees(plan, cross) ? ": agrees" : ": DISAGREES");

    internal static object Json(MazeModel maze, DronePlan p, DroneCrossCheck? cross) => new
    {
        p.K,
        Start = maze.Name(p.Start),
        Target = maze.Name(p.Target),
        p.Possible,
        Count = p.Possible ? p.Drones.Count : (int?)null,
        Drones = p.Drones.Select(d => new
        {
            d.Path,
            Room = maze.Name(d.Room),
            d.Exit,
            OldTarget = maze.TargetName(d.OldTarget),
            NewTarget = maze.TargetName(d.NewTarget),
        }),
        p.Walk,
        p.Reason,
        DroneRooms = MazeCli.Names(maze, p.DroneRooms),
        SteeringRooms = MazeCli.Names(maze, p.SteeringRooms),
        p.OptionsTried,
        CrossCheck = cross is null ? null : new
        {
            cross.MaxDrones,
            cross.States,
            cross.Minimum,
            cross.Plans,
            Agrees = Agrees(p, cross),
        },
    };
}

/// <summary>D5's --start and --target.</summary>
internal sealed record DroneRooms(Option<string?> Start, Option<string?> Target);

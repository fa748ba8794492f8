namespace VmLab.Sim.Maze;

/// <summary>One drone's instructions: the K-bit path it flies from the start room (in the maze as it is when it
/// is sent), the room it arrives in, the exit it re-routes, and where that exit led before and leads after.</summary>
public sealed record Drone(string Path, int Room, int Exit, int OldTarget, int NewTarget);

/// <summary>
/// D5's answer. When <see cref="Possible"/>, <see cref="Drones"/> is a shortest list of drones, sent in order;
/// <see cref="Walk"/> is a K-bit walk that reaches the target in <see cref="Final"/> (verified by walking it).
/// <see cref="DroneRooms"/>: rooms a drone can arrive in at the start; <see cref="SteeringRooms"/>: those of them that
/// some walk of fewer than K steps passes through, the only rooms whose re-routing changes what K-step walks reach.
/// </summary>
public sealed record DronePlan(
    int K,
    int Start,
    int Target,
    bool Possible,
    IReadOnlyList<Drone> Drones,
    string? Walk,
    Maze Final,
    string Reason,
    long OptionsTried,
    IReadOnlyList<int> DroneRooms,
    IReadOnlyList<int> SteeringRooms);

/// <summary>
/// D5: the fewest drones that make <c>target</c> reachable from <c>start</c> in exactly K steps. A drone flies K
/// steps from the start room through the current maze and re-routes one exit of the room it arrives in.
///
/// The search is exact and bounded by three facts (proofs in docs/maze.md):
///  1. Only rooms in X = D_K ∩ (D_0 ∪ … ∪ D_{K-1}) matter, where D_j holds the rooms some j-step walk from the start
///     is in: a K-step walk uses the exits of the rooms at steps 0..K-1 only. If X is empty, no drone can change
///     D_0..D_K, ever: the target stays out of reach (isolation: nothing a drone reaches steers a walk).
///  2. If X is not empty, two drones always suffice: pick x in X at its smallest depth j; drone 1 turns one exit
///     of x into a self-loop, drone 2 (path to x, then around the loop) points x's other exit at the target.
///  3. So the answer is 0, 1, 2 or impossible, and only "1" needs a search: every room of X, each exit, every new
///     target room that reaches the target in fewer than K steps (the walk's last use of the re-routed exit is
///     followed by an unchanged suffix; a pit never helps, it only removes walks). Each option costs O(K * rooms).
/// </summary>
public static class DroneSearch
{
    /// <summary>Upper bound on room-steps spent in the one-drone search; larger mazes are refused.</summary>
    public const long MaxWork = 500_000_000;

    /// <summary>Solves D5 for any maze, start, target and k ≥ 1.</summary>
    public static DronePlan Solve(Maze maze, int start, int target, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var layers = maze.Layers(start, k, out _);
        var lower = new bool[maze.Count];
        var depth = new int[maze.Count];
        for (int j = k - 1; j >= 0; j--)
            for (int r = 0; r < maze.Count; r++)
                if (layers[j][r]) { lower[r] = true; depth[r] = j; }
        var droneRooms = Maze.Members(layers[k]);
        var steering = droneRooms.Where(r => lower[r]).OrderBy(r => depth[r]).ThenBy(r => r).ToList();

        DronePlan Plan(bool ok, IReadOnlyList<Drone> drones, Maze final, string reason, long tried) =>
            new(k, start, target, ok, drones, ok ? final.PathTo(start, k, target) : null, final, reason, tried,
                droneRooms, steering.Order().ToList());

        if (layers[k][target])
            return Plan(true, [], maze, "already reachable: no drone needed", 0);
        if (steering.Count == 0)
            return Plan(false, [], maze, $"impossible: no room a drone can reach is on the way of a walk shorter than {k} steps, so no re-routing can ever change where {k}-step walks go", 0);

        var useful = ReachesWithin(maze, target, k - 1);
        long work = (long)steering.Count * 2 * useful.Count * k * maze.Count;
        if (work > MaxWork)
            throw new InvalidOperationException($"drones: maze too large for the exact search ({work} room-steps, limit {MaxWork})");

        long tried = 0;
        foreach (int x in steering)
        {
            for (int bit = 0; bit < 2; bit++)
            {
                foreach (int t in useful)
                {
                    if (maze.Exit(x, bit) == t) continue;
                    tried++;
                    var next = maze.WithExit(x, bit, t);
                    if (next.Reach(start, k).Rooms.Contains(target))
                    {
                        var drone = new Drone(maze.PathTo(start, k, x)!, x, bit, maze.Exit(x, bit), t);
                        return Plan(true, [drone], next, $"one drone: the exhaustive one-drone search found one after trying {tried} option(s)", tried);
                    }
                }
            }
        }
        return TwoDrones(maze, start, target, k, steering[0], tried, Plan);
    }

    private static DronePlan TwoDrones(Maze maze, int start, int target, int k, int x, long tried,
        Func<bool, IReadOnlyList<Drone>, Maze, string, long, DronePlan> plan)
    {
        // Loop on the pit exit when there is one, so the loop costs no existing passage.
        int loop = maze.Exit(x, 0) == Maze.Pit ? 0 : maze.Exit(x, 1) == Maze.Pit ? 1 : 0;
        var first = new Drone(maze.PathTo(start, k, x)!, x, loop, maze.Exit(x, loop), x);
        var m1 = maze.WithExit(x, loop, x);
        string path2 = m1.PathTo(start, k, x) ?? throw new InvalidOperationException("drones: self-loop construction lost its room");
        var second = new Drone(path2, x, 1 - loop, m1.Exit(x, 1 - loop), target);
        var m2 = m1.WithExit(x, 1 - loop, target);
        if (!m2.Reach(start, k).Rooms.Contains(target))
            throw new InvalidOperationException("drones: two-drone construction did not reach the target");
        return plan(true, [first, second], m2,
            $"two drones: one is not enough (all {tried} one-drone options that could help were tried: an exit of a steering room re-routed to a room within {k - 1} step(s) of the target), and two always are (a self-loop in room {maze.Name(x)}, then a re-route)", tried);
    }

    /// <summary>The rooms from which some walk of at most <paramref name="steps"/> steps ends in <paramref name="target"/>.</summary>
    private static IReadOnlyList<int> ReachesWithin(Maze maze, int target, int steps)
    {
        var layer = new bool[maze.Count];
        layer[target] = true;
        var any = (bool[])layer.Clone();
        for (int b = 0; b < steps; b++)
        {
            var prev = new bool[maze.Count];
            for (int r = 0; r < maze.Count; r++)
            {
                int e0 = maze.Exit(r, 0), e1 = maze.Exit(r, 1);
                prev[r] = (e0 != Maze.Pit && layer[e0]) || (e1 != Maze.Pit && layer[e1]);
                any[r] |= prev[r];
            }
            layer = prev;
        }
        return Maze.Members(any);
    }
}

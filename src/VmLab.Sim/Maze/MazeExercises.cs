namespace VmLab.Sim.Maze;

/// <summary>The starting rooms meeting a condition on what they reach in exactly K steps (D1, D2).
/// <see cref="Vacuous"/> lists start rooms from which every walk falls into a pit (they reach no room at all).</summary>
public sealed record StartRoomsAnswer(int K, IReadOnlyList<int> Set, IReadOnlyList<int> StartRooms, IReadOnlyList<int> Vacuous);

/// <summary>D3: per start room, the number of distinct rooms reached in exactly K steps, not counting the start room
/// itself (the seed's "other rooms") and, for comparison, counting it. Pits are never counted. Ties: every room at
/// the minimum is listed.</summary>
public sealed record BoringAnswer(
    int K,
    IReadOnlyList<int> Counts,
    int Minimum,
    IReadOnlyList<int> StartRooms,
    IReadOnlyList<int> CountsIncludingStart,
    int MinimumIncludingStart,
    IReadOnlyList<int> StartRoomsIncludingStart);

/// <summary>
/// Exercises D1-D4 for any maze and any K. All of them look at the set of outcomes of the 2^K walks of exactly K
/// steps, which <see cref="Maze.Reach"/> computes frontier by frontier (the rooms a walk can be in after j steps), so
/// the cost per start room is at most K * min(2^K, rooms); mazes and K beyond <see cref="MaxWork"/> are refused.
/// </summary>
public static class MazeExercises
{
    /// <summary>The most room-steps D1-D3 may take (seconds, not minutes); larger mazes or k are refused.</summary>
    public const long MaxWork = 400_000_000;

    /// <summary>Refuses, with the numbers, a maze and k whose every-start-room walks would exceed <see cref="MaxWork"/>.</summary>
    public static void CheckWork(Maze maze, int k)
    {
        long work = maze.ReachWorkFromEveryRoom(k);
        if (work > MaxWork)
            throw new InvalidOperationException($"{maze.Count} rooms with k = {k} could take up to {work} room-steps " +
                $"from every start room; the limit is {MaxWork}: use a smaller k or a smaller maze");
    }

    /// <summary>D1: the start rooms from which every room of <paramref name="set"/> is reachable in exactly k steps.</summary>
    public static StartRoomsAnswer ReachAll(Maze maze, int k, IReadOnlyList<int> set)
    {
        CheckWork(maze, k);
        var starts = new List<int>();
        for (int s = 0; s < maze.Count; s++)
        {
            var reached = maze.Reach(s, k).Rooms.ToHashSet();
            if (set.All(reached.Contains))
                starts.Add(s);
        }
        return new StartRoomsAnswer(k, Sorted(set), starts, Vacuous(maze, k));
    }

    /// <summary>D2: the start rooms from which only rooms of <paramref name="set"/> (and pits) are reachable in exactly
    /// k steps. A start room whose walks all fall into pits qualifies vacuously; it is listed in both lists.</summary>
    public static StartRoomsAnswer ReachOnly(Maze maze, int k, IReadOnlyList<int> set)
    {
        CheckWork(maze, k);
        var allowed = set.ToHashSet();
        var starts = new List<int>();
        for (int s = 0; s < maze.Count; s++)
        {
            if (maze.Reach(s, k).Rooms.All(allowed.Contains))
                starts.Add(s);
        }
        return new StartRoomsAnswer(k, Sorted(set), starts, Vacuous(maze, k));
    }

    /// <summary>D3: the most boring start rooms (fewest distinct other rooms reachable in exactly k steps).</summary>
    public static BoringAnswer MostBoring(Maze maze, int k)
    {
        CheckWork(maze, k);
        var others = new int[maze.Count];
        var all = new int[maze.Count];
        for (int s = 0; s < maze.Count; s++)
        {
            var rooms = maze.Reach(s, k).Rooms;
            all[s] = rooms.Count;
            others[s] = rooms.Count(r => r != s);
        }
        int min = others.Min(), minAll = all.Min();
        return new BoringAnswer(k, others, min, Where(others, min), all, minAll, Where(all, minAll));
    }

    /// <summary>D4: the rooms that no walk of exactly k steps reaches, from any start room.</summary>
    public static IReadOnlyList<int> Unreachable(Maze maze, int k)
    {
        var layer = Enumerable.Repeat(true, maze.Count).ToArray();
        for (int j = 0; j < k; j++)
            layer = maze.Step(layer, out _);
        return Enumerable.Range(0, maze.Count).Where(r => !layer[r]).ToList();
    }

    private static IReadOnlyList<int> Vacuous(Maze maze, int k) =>
        Enumerable.Range(0, maze.Count).Where(s => maze.Reach(s, k).Rooms.Count == 0).ToList();

    private static IReadOnlyList<int> Where(int[] counts, int value) =>
        Enumerable.Range(0, counts.Length).Where(i => counts[i] == value).ToList();

    private static IReadOnlyList<int> Sorted(IReadOnlyList<int> set) => set.Distinct().Order().ToList();
}

namespace VmLab.Sim.Maze;

/// <summary>What the plain search saw: maze states checked, the minimum it found (null: none within its depth),
/// and how many drone sequences of that length work (each drone: room, exit, new target).</summary>
public sealed record DroneCrossCheck(int MaxDrones, long States, int? Minimum, long Plans);

/// <summary>
/// A second, independent answer to D5: plain breadth-first search over every sequence of up to MaxDrones drones
/// (every room a drone can arrive in, each exit, every new target including a pit), no pruning but skipping
/// re-routings that change nothing. Used to cross-check <see cref="DroneSearch"/> in the output; with
/// MaxDrones = 2 it decides every case, since the answer is never above 2.
/// </summary>
public static class DroneBruteForce
{
    /// <summary>Runs the search, or returns null when it would check more than <paramref name="maxStates"/> mazes.</summary>
    public static DroneCrossCheck? Run(Maze maze, int start, int target, int k, int maxDrones, long maxStates)
    {
        var level = new List<Maze> { maze };
        long states = 1;
        for (int drones = 0; ; drones++)
        {
            long plans = level.LongCount(m => m.Reach(start, k).Rooms.Contains(target));
            if (plans > 0)
                return new DroneCrossCheck(maxDrones, states, drones, plans);
            if (drones == maxDrones)
                return new DroneCrossCheck(maxDrones, states, null, 0);
            var next = new List<Maze>();
            foreach (var m in level)
            {
                foreach (int room in m.Reach(start, k).Rooms)
                {
                    for (int bit = 0; bit < 2; bit++)
                    {
                        for (int t = Maze.Pit; t < m.Count; t++)
                        {
                            if (m.Exit(room, bit) == t) continue;
                            if (++states > maxStates) return null;
                            next.Add(m.WithExit(room, bit, t));
                        }
                    }
                }
            }
            level = next;
        }
    }
}

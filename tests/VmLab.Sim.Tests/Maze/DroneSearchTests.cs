using VmLab.Sim.Maze;
using M = VmLab.Sim.Maze.Maze;

namespace VmLab.Sim.Tests.Maze;

public class DroneSearchTests
{
    private static readonly M Seed = SeedMaze.Load();

    [Fact]
    public void D5_on_the_default_maze_takes_two_drones_and_they_work()
    {
        int s = Seed.IndexOf("9"), t = Seed.IndexOf("1");
        var plan = DroneSearch.Solve(Seed, s, t, 2);
        Assert.True(plan.Possible);
        Assert.Equal(2, plan.Drones.Count);
        Assert.Equal(BruteForceMinimum(Seed, s, t, 2, 3), plan.Drones.Count);
        Assert.Equal(t, Replay(Seed, s, 2, plan).Walk(s, plan.Walk!).End);
    }

    [Fact]
    public void Already_reachable_needs_no_drone()
    {
        var plan = DroneSearch.Solve(Seed, Seed.IndexOf("1"), Seed.IndexOf("8"), 2);
        Assert.True(plan.Possible);
        Assert.Empty(plan.Drones);
        Assert.Equal("00", plan.Walk);
    }

    [Fact]
    public void A_room_a_drone_reaches_on_the_way_makes_one_drone_enough()
    {
        // s -> a -> a (self-loop): a is at depth 1 and 2, so re-routing a's 1-exit to t is enough.
        var m = MazeParser.Parse("room s: 0->a 1->pit\nroom a: 0->a 1->a\nroom t: 0->t 1->t\n");
        var plan = DroneSearch.Solve(m, m.IndexOf("s"), m.IndexOf("t"), 2);
        Assert.Single(plan.Drones);
        Assert.Equal(m.IndexOf("a"), plan.Drones[0].Room);
        Assert.Equal(m.IndexOf("t"), Replay(m, m.IndexOf("s"), 2, plan).Walk(m.IndexOf("s"), plan.Walk!).End);
    }

    [Fact]
    public void When_no_drone_room_steers_a_walk_it_is_impossible()
    {
        // Isolation: from s every 2-step walk ends in b or c, and no walk passes through them earlier.
        var m = MazeParser.Parse("""
            room s: 0->a 1->a
            room a: 0->b 1->c
            room b: 0->b 1->b
            room c: 0->c 1->b
            room t: 0->t 1->t
            """);
        var plan = DroneSearch.Solve(m, m.IndexOf("s"), m.IndexOf("t"), 2);
        Assert.False(plan.Possible);
        Assert.Empty(plan.SteeringRooms);
        Assert.Null(BruteForceMinimumOrNull(m, m.IndexOf("s"), m.IndexOf("t"), 2, 3));
    }

    [Fact]
    public void Minimum_matches_brute_force_on_random_small_mazes()
    {
        var rng = new Random(20261122);
        int checkedPlans = 0, counts1 = 0, counts2 = 0, impossible = 0;
        for (int trial = 0; trial < 120; trial++)
        {
            int n = rng.Next(2, 5);
            int k = rng.Next(1, 4);
            var m = RandomMaze(rng, n);
            int s = rng.Next(n), t = rng.Next(n);
            var plan = DroneSearch.Solve(m, s, t, k);
            int? brute = BruteForceMinimumOrNull(m, s, t, k, 3);
            Assert.Equal(brute, plan.Possible ? plan.Drones.Count : null);
            Assert.Equal(brute, DroneBruteForce.Run(m, s, t, k, 3, 10_000_000)!.Minimum);
            if (plan.Possible)
                Assert.Equal(t, Replay(m, s, k, plan).Walk(s, plan.Walk!).End);
            checkedPlans++;
            counts1 += plan.Drones.Count == 1 ? 1 : 0;
            counts2 += plan.Drones.Count == 2 ? 1 : 0;
            impossible += plan.Possible ? 0 : 1;
        }
        // The sample exercises every kind of answer.
        Assert.True(counts1 > 0 && counts2 > 0 && impossible > 0, $"1:{counts1} 2:{counts2} impossible:{impossible}");
    }

    [Fact]
    public void Minimum_matches_brute_force_on_random_larger_mazes_up_to_two_drones()
    {
        // The answer is never above 2 (docs/maze.md), so a 2-drone brute force decides every case.
        var rng = new Random(7);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = rng.Next(5, 7);
            int k = rng.Next(2, 4);
            var m = RandomMaze(rng, n);
            int s = rng.Next(n), t = rng.Next(n);
            var plan = DroneSearch.Solve(m, s, t, k);
            Assert.Equal(BruteForceMinimumOrNull(m, s, t, k, 2), plan.Possible ? plan.Drones.Count : null);
        }
    }

    private static M RandomMaze(Random rng, int n)
    {
        string Target() => rng.Next(n + 1) == n ? "pit" : "r" + rng.Next(n);
        return new M(Enumerable.Range(0, n).Select(i => new MazeRoom("r" + i, Target(), Target())).ToList());
    }

    /// <summary>Sends the plan's drones one by one, checking each really arrives where it says.</summary>
    private static M Replay(M maze, int start, int k, DronePlan plan)
    {
        foreach (var d in plan.Drones)
        {
            Assert.Equal(k, d.Path.Length);
            Assert.Equal(d.Room, maze.Walk(start, d.Path).End);
            Assert.Equal(d.OldTarget, maze.Exit(d.Room, d.Exit));
            maze = maze.WithExit(d.Room, d.Exit, d.NewTarget);
        }
        return maze;
    }

    private static int BruteForceMinimum(M m, int s, int t, int k, int max) =>
        BruteForceMinimumOrNull(m, s, t, k, max) ?? -1;

    /// <summary>Plain breadth-first search over mazes: every k-bit path, every exit, every target including pits.</summary>
    private static int? BruteForceMinimumOrNull(M m, int s, int t, int k, int max)
    {
        var level = new List<M> { m };
        for (int drones = 0; drones <= max; drones++)
        {
            var next = new List<M>();
            var seen = new HashSet<string>();
            foreach (var maze in level)
            {
                if (Enumerable.Range(0, 1 << k).Any(v => maze.Walk(s, Bits(v, k)).End == t))
                    return drones;
                foreach (int room in Enumerable.Range(0, 1 << k).Select(v => maze.Walk(s, Bits(v, k)).End).Where(r => r >= 0).Distinct())
                    for (int bit = 0; bit < 2; bit++)
                        for (int target = -1; target < maze.Count; target++)
                        {
                            var changed = maze.WithExit(room, bit, target);
                            if (seen.Add(changed.ToText()))
                                next.Add(changed);
                        }
            }
            level = next;
        }
        return null;
    }

    private static string Bits(int v, int k) => k == 0 ? "" : Convert.ToString(v, 2).PadLeft(k, '0');
}

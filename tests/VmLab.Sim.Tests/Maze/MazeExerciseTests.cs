using VmLab.Sim.Maze;

namespace VmLab.Sim.Tests.Maze;

public class MazeExerciseTests
{
    private static readonly VmLab.Sim.Maze.Maze Seed = SeedMaze.Load();

    private static IEnumerable<string> Names(VmLab.Sim.Maze.Maze m, IEnumerable<int> rooms) => rooms.Select(m.Name);

    private static IReadOnlyList<int> Set(VmLab.Sim.Maze.Maze m, params string[] names) => names.Select(m.IndexOf).ToList();

    [Fact]
    public void D1_on_the_default_maze_is_room_5()
    {
        var a = MazeExercises.ReachAll(Seed, 2, Seed.RoomsColoured(["blue", "red"]));
        Assert.Equal(["5"], Names(Seed, a.StartRooms));
        Assert.Equal(["6", "7", "8", "9"], Names(Seed, a.Set));
    }

    [Fact]
    public void D2_on_the_default_maze_is_room_3()
    {
        var a = MazeExercises.ReachOnly(Seed, 2, Seed.RoomsColoured(["blue"]));
        Assert.Equal(["3"], Names(Seed, a.StartRooms));
        Assert.True(Seed.Reach(Seed.IndexOf("3"), 2).Pit);
        Assert.Empty(a.Vacuous);
    }

    [Fact]
    public void D3_on_the_default_maze_is_room_7_either_way()
    {
        var a = MazeExercises.MostBoring(Seed, 2);
        Assert.Equal(["7"], Names(Seed, a.StartRooms));
        Assert.Equal(0, a.Minimum);
        Assert.Equal(["7"], Names(Seed, a.StartRoomsIncludingStart));
        Assert.Equal(1, a.MinimumIncludingStart);
    }

    [Fact]
    public void D4_on_the_default_maze_is_rooms_1_and_3()
    {
        Assert.Equal(["1", "3"], Names(Seed, MazeExercises.Unreachable(Seed, 2)));
    }

    // A ring a -> b -> c -> a on both exits, plus d that only a pit leaves: from x, k steps land on x+k (mod 3).
    private const string Ring = """
        room a: 0->b 1->b colour=blue
        room b: 0->c 1->c
        room c: 0->a 1->a colour=red
        room d: 0->pit 1->pit colour=blue
        """;

    [Fact]
    public void Hand_made_ring_has_the_expected_answers()
    {
        var m = MazeParser.Parse(Ring);
        Assert.Equal(["c"], Names(m, m.Reach(m.IndexOf("a"), 2).Rooms));
        Assert.Equal(["b"], Names(m, MazeExercises.ReachAll(m, 2, Set(m, "a")).StartRooms));
        Assert.Empty(MazeExercises.ReachAll(m, 2, Set(m, "a", "b")).StartRooms);
        var only = MazeExercises.ReachOnly(m, 2, m.RoomsColoured(["blue"]));
        Assert.Equal(["b", "d"], Names(m, only.StartRooms));
        Assert.Equal(["d"], Names(m, only.Vacuous));
        var boring = MazeExercises.MostBoring(m, 2);
        Assert.Equal(["d"], Names(m, boring.StartRooms));
        Assert.Equal(["d"], Names(m, MazeExercises.Unreachable(m, 2)));
        // After 3 steps every ring room is back home: the "other rooms" count is 0 for a, b, c too.
        var three = MazeExercises.MostBoring(m, 3);
        Assert.Equal(["a", "b", "c", "d"], Names(m, three.StartRooms));
        Assert.Equal(["d"], Names(m, three.StartRoomsIncludingStart));
    }

    [Fact]
    public void Hand_made_binary_tree_reaches_every_leaf_from_the_root_only()
    {
        var m = MazeParser.Parse("""
            room r: 0->x 1->y
            room x: 0->p 1->q
            room y: 0->s 1->t
            room p: 0->p 1->p
            room q: 0->q 1->q
            room s: 0->s 1->s
            room t: 0->t 1->t
            """);
        Assert.Equal(["r"], Names(m, MazeExercises.ReachAll(m, 2, Set(m, "p", "q", "s", "t")).StartRooms));
        Assert.Equal(["r", "x", "y"], Names(m, MazeExercises.Unreachable(m, 2)));
        Assert.Equal(["p", "q", "s", "t"], Names(m, MazeExercises.MostBoring(m, 2).StartRooms));
        Assert.Equal(2, MazeExercises.MostBoring(m, 2).Counts[m.IndexOf("x")]);
    }

    [Fact]
    public void D4_agrees_with_walking_every_bitstring_from_every_room()
    {
        for (int k = 1; k <= 6; k++)
        {
            var reached = new HashSet<int>();
            for (int s = 0; s < Seed.Count; s++)
                for (int v = 0; v < 1 << k; v++)
                    reached.Add(Seed.Walk(s, Convert.ToString(v, 2).PadLeft(k, '0')).End);
            var expected = Enumerable.Range(0, Seed.Count).Where(r => !reached.Contains(r));
            Assert.Equal(expected, MazeExercises.Unreachable(Seed, k));
        }
    }

    [Fact]
    public void D1_to_D4_agree_with_walking_every_bitstring_on_random_mazes()
    {
        var rng = new Random(2026);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 7), k = rng.Next(1, 5);
            string Target() => rng.Next(n + 2) >= n ? "pit" : "r" + rng.Next(n);
            var m = new VmLab.Sim.Maze.Maze(Enumerable.Range(0, n)
                .Select(i => new MazeRoom("r" + i, Target(), Target(), rng.Next(3) == 0 ? "blue" : "plain")).ToList());
            var ends = Enumerable.Range(0, n).Select(s => Enumerable.Range(0, 1 << k)
                .Select(v => m.Walk(s, Convert.ToString(v, 2).PadLeft(k, '0')).End).ToHashSet()).ToList();
            var set = m.RoomsColoured(["blue"]);
            Assert.Equal(Enumerable.Range(0, n).Where(s => set.All(ends[s].Contains)), MazeExercises.ReachAll(m, k, set).StartRooms);
            Assert.Equal(Enumerable.Range(0, n).Where(s => ends[s].All(e => e < 0 || set.Contains(e))), MazeExercises.ReachOnly(m, k, set).StartRooms);
            var others = Enumerable.Range(0, n).Select(s => ends[s].Count(e => e >= 0 && e != s)).ToList();
            Assert.Equal(Enumerable.Range(0, n).Where(s => others[s] == others.Min()), MazeExercises.MostBoring(m, k).StartRooms);
            Assert.Equal(Enumerable.Range(0, n).Where(r => ends.All(e => !e.Contains(r))), MazeExercises.Unreachable(m, k));
        }
    }
}

using VmLab.Sim.Maze;

namespace VmLab.Sim.Tests.Maze;

public class MazeTests
{
    private static readonly VmLab.Sim.Maze.Maze Seed = SeedMaze.Load();

    private static int R(string name) => Seed.IndexOf(name);

    [Fact]
    public void The_seed_example_walks_1_00_to_room_8_through_3()
    {
        var walk = Seed.Walk(R("1"), "00");
        Assert.False(walk.FellIntoPit);
        Assert.Equal([R("1"), R("3"), R("8")], walk.Visited);
        Assert.Equal(R("8"), walk.End);
    }

    [Fact]
    public void A_pit_ends_the_walk_at_the_step_it_falls()
    {
        var walk = Seed.Walk(R("1"), "0110");
        Assert.True(walk.FellIntoPit);
        Assert.Equal(2, walk.PitStep);
        Assert.Equal(VmLab.Sim.Maze.Maze.Pit, walk.End);
        Assert.Equal(3, walk.Visited.Count);
    }

    [Fact]
    public void The_empty_bitstring_stays_in_the_start_room()
    {
        var walk = Seed.Walk(R("4"), "");
        Assert.Equal(R("4"), walk.End);
        Assert.False(walk.FellIntoPit);
    }

    [Fact]
    public void Reach_is_the_set_of_outcomes_of_every_walk()
    {
        foreach (int k in new[] { 1, 2, 3, 5 })
        {
            for (int s = 0; s < Seed.Count; s++)
            {
                var ends = Enumerable.Range(0, 1 << k)
                    .Select(v => Seed.Walk(s, Convert.ToString(v, 2).PadLeft(k, '0')).End).ToHashSet();
                var reach = Seed.Reach(s, k);
                Assert.Equal(ends.Where(e => e >= 0).Order(), reach.Rooms);
                Assert.Equal(ends.Contains(VmLab.Sim.Maze.Maze.Pit), reach.Pit);
            }
        }
    }

    [Fact]
    public void PathTo_finds_a_walk_when_one_exists_and_only_then()
    {
        for (int s = 0; s < Seed.Count; s++)
        {
            var reach = Seed.Reach(s, 3).Rooms;
            for (int r = 0; r < Seed.Count; r++)
            {
                string? path = Seed.PathTo(s, 3, r);
                Assert.Equal(reach.Contains(r), path is not null);
                if (path is not null)
                    Assert.Equal(r, Seed.Walk(s, path).End);
            }
        }
    }

    [Fact]
    public void WithExit_changes_a_copy_only()
    {
        var changed = Seed.WithExit(R("9"), 1, R("1"));
        Assert.Equal(VmLab.Sim.Maze.Maze.Pit, Seed.Exit(R("9"), 1));
        Assert.Equal(R("1"), changed.Exit(R("9"), 1));
        Assert.Equal(R("2"), changed.Exit(R("9"), 0));
    }

    [Fact]
    public void The_text_form_parses_back_to_the_same_maze()
    {
        var again = MazeParser.Parse(Seed.ToText());
        Assert.Equal(Seed.Rooms, again.Rooms);
    }
}

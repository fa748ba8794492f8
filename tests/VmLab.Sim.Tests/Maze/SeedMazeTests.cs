using VmLab.Sim.Maze;

namespace VmLab.Sim.Tests.Maze;

public class SeedMazeTests
{
    private static readonly VmLab.Sim.Maze.Maze Seed = SeedMaze.Load();

    [Fact]
    public void The_reconstruction_satisfies_every_fact_and_design_goal()
    {
        var checks = SeedMaze.Check(Seed);
        Assert.All(checks, c => Assert.True(c.Holds, c.Text));
        Assert.Contains(checks, c => c.Kind == MazeFactKind.Seed);
        Assert.Contains(checks, c => c.Kind == MazeFactKind.Exercise);
    }

    [Fact]
    public void The_seed_facts_hold_literally()
    {
        int R(string n) => Seed.IndexOf(n);
        Assert.Equal(9, Seed.Count);
        Assert.Equal(R("3"), Seed.Exit(R("1"), 0));
        Assert.Equal(R("8"), Seed.Exit(R("3"), 0));
        Assert.Contains(VmLab.Sim.Maze.Maze.Pit, new[] { Seed.Exit(R("3"), 0), Seed.Exit(R("3"), 1) });
        Assert.Contains(VmLab.Sim.Maze.Maze.Pit, new[] { Seed.Exit(R("9"), 0), Seed.Exit(R("9"), 1) });
        Assert.Equal(["blue", "red", "blue", "red"], new[] { "6", "7", "8", "9" }.Select(n => Seed.Colour(R(n))));
        Assert.All(new[] { "1", "2", "3", "4", "5" }, n => Assert.Equal("plain", Seed.Colour(R(n))));
    }

    [Fact]
    public void A_maze_breaking_a_fact_is_caught()
    {
        int r1 = Seed.IndexOf("1");
        var broken = Seed.WithExit(r1, 0, Seed.IndexOf("2"));
        var failed = SeedMaze.Check(broken).Where(c => !c.Holds).Select(c => c.Text).ToList();
        Assert.Contains("room 1's 0-exit leads to room 3", failed);
        Assert.Contains("from room 1 the bitstring 00 ends in room 8", failed);
    }

    [Fact]
    public void Facts_do_not_throw_for_a_maze_without_the_seed_rooms()
    {
        var tiny = MazeParser.Parse("room a: 0->a 1->pit");
        var checks = SeedMaze.Check(tiny);
        Assert.Contains(checks, c => !c.Holds);
    }
}

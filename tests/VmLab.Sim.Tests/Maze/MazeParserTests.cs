using VmLab.Sim.Maze;

namespace VmLab.Sim.Tests.Maze;

public class MazeParserTests
{
    [Fact]
    public void Comments_blank_lines_any_names_and_exit_order_are_accepted()
    {
        var m = MazeParser.Parse("""
            # a comment

            room Hall: 1->pit 0->attic-2   # trailing comment
            room attic-2: 0->Hall 1->attic-2 color=Green
            """);
        Assert.Equal(2, m.Count);
        Assert.Equal(m.IndexOf("attic-2"), m.Exit(m.IndexOf("Hall"), 0));
        Assert.Equal(VmLab.Sim.Maze.Maze.Pit, m.Exit(m.IndexOf("Hall"), 1));
        Assert.Equal("green", m.Colour(m.IndexOf("attic-2")));
        Assert.Equal("plain", m.Colour(m.IndexOf("Hall")));
    }

    [Theory]
    [InlineData("room 1: 0->1 1->1\nroom 2: 0->1\n", 2, "missing its 1-exit")]
    [InlineData("room 1: 0->1 1->1\n\n# c\nroom 1: 0->1 1->1\n", 4, "defined twice (first on line 1)")]
    [InlineData("room 1: 0->1 1->1\nroom 2: 0->7 1->1\n", 2, "0-exit leads to room '7', which is not defined")]
    [InlineData("room 1: 0->1 1->1 colour=\n", 1, "colour must be a word")]
    [InlineData("room 1 0->1 1->1\n", 1, "expected 'room NAME:'")]
    [InlineData("hall 1: 0->1 1->1\n", 1, "expected 'room NAME: 0->X 1->Y'")]
    [InlineData("room 1: 0->1 1->1 2->1\n", 1, "unexpected '2->1'")]
    [InlineData("room 1: 0->1 0->1 1->1\n", 1, "0-exit given twice")]
    [InlineData("room pit: 0->pit 1->pit\n", 1, "'pit' is the word for a death pit")]
    [InlineData("room a b: 0->a 1->a\n", 1, "one name, then a colon")]
    [InlineData("room a: 0->b$ 1->a\n", 1, "has characters other than")]
    [InlineData("# only a comment\n", 1, "no rooms")]
    public void Errors_name_the_line_and_the_problem(string text, int line, string problem)
    {
        var e = Assert.Throws<MazeFormatException>(() => MazeParser.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"line {line}: ", e.Message);
    }

    [Fact]
    public void Windows_line_endings_are_fine()
    {
        var m = MazeParser.Parse("room 1: 0->2 1->pit\r\nroom 2: 0->1 1->2\r\n");
        Assert.Equal(2, m.Count);
    }
}

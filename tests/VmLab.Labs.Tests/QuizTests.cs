using VmLab.Labs.Quiz;
using VmLab.Sim.Exercises;
using VmLab.Sim.Maze;

namespace VmLab.Labs.Tests;

public class QuizTests
{
    public static TheoryData<string> Kinds() => [.. Quizzes.Kinds.Select(k => k.Kind)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_same_seed_gives_the_same_problems_and_another_seed_others(string kind)
    {
        var a = Quizzes.Make(kind, 42);
        Assert.Equal(a.Problems, Quizzes.Make(kind, 42).Problems);
        Assert.NotEqual(a.Problems, Quizzes.Make(kind, 43).Problems);
        Assert.Equal(Quizzes.Count, a.Problems.Count);
        Assert.All(a.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Answer)));
    }

    [Fact]
    public void Paging_answers_agree_with_the_mapping_checker_and_both_verdicts_occur()
    {
        var verdicts = new HashSet<bool>();
        for (int seed = 0; seed < 10; seed++)
            foreach (var p in Quizzes.Make("paging", seed).Problems)
            {
                var pairs = System.Text.RegularExpressions.Regex.Matches(p.Question, @"P\(0x([0-9a-f]+)\) = 0x([0-9a-f]+)")
                    .Select(m => new MappingPair(Convert.ToUInt64(m.Groups[1].Value, 16), Convert.ToUInt64(m.Groups[2].Value, 16))).ToList();
                bool valid = MappingCheck.Check(pairs).Valid;
                Assert.StartsWith(valid ? "Yes." : "No.", p.Answer);
                verdicts.Add(valid);
            }
        Assert.Equal(2, verdicts.Count);
    }

    [Fact]
    public void Maze_walk_answers_end_where_the_maze_says()
    {
        var maze = SeedMaze.Load();
        int checkedWalks = 0;
        for (int seed = 0; seed < 20; seed++)
            foreach (var p in Quizzes.Make("maze", seed).Problems.Where(p => p.Question.Contains("follow the bits")))
            {
                var m = System.Text.RegularExpressions.Regex.Match(p.Question, @"room (\S+) and follow the bits ([01]+)");
                var walk = maze.Walk(maze.IndexOf(m.Groups[1].Value), m.Groups[2].Value);
                Assert.StartsWith(walk.FellIntoPit ? "In a death pit" : $"Room {maze.TargetName(walk.End)}:", p.Answer);
                checkedWalks++;
            }
        Assert.True(checkedWalks > 5);
    }

    [Fact]
    public void Errorcode_answers_carry_the_hardware_error_bits()
    {
        var all = Enumerable.Range(0, 10).SelectMany(s => Quizzes.Make("errorcode", s).Problems).ToList();
        Assert.Contains(all, p => p.Question.Contains("is not mapped") && p.Question.Contains("user-mode write") && p.Answer.Contains("error code 0x6"));
        Assert.Contains(all, p => p.Answer.StartsWith("No fault", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_kind_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Quizzes.Make("tlb", 1));
        Assert.Contains("unknown quiz kind 'tlb'", e.Message);
    }
}

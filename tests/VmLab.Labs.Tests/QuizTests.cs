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

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_answer_in_the_short_form_is_marked_right_and_a_wrong_one_gets_the_worked_solution(string kind)
    {
        for (int seed = 0; seed < 12; seed++)
        {
            var sheet = Quizzes.Make(kind, seed);
            var right = QuizCheck.Mark(sheet, [.. sheet.Problems.Select(p => QuizCheck.Say(p.Key))]);
            Assert.All(right, m => Assert.True(m.Correct, $"{kind} seed {seed}: '{m.Given}' for {m.Question}"));
            var wrong = QuizCheck.Mark(sheet, ["", "something else entirely", "0x123456789", "maybe"]);
            Assert.All(wrong, m => Assert.False(m.Correct, $"{kind} seed {seed}: '{m.Given}' passed for {m.Question}"));
            Assert.All(wrong, m => Assert.Equal(sheet.Problems.First(p => p.Question == m.Question).Answer, m.Answer));
        }
    }

    [Fact]
    public void Answers_are_read_for_what_they_say_not_their_wording()
    {
        Assert.True(QuizCheck.Matches("yes", "Yes. It is a valid mapping"));
        Assert.False(QuizCheck.Matches("yes", "No, two frames for one page"));
        Assert.True(QuizCheck.Matches("3 1 3", "3 virtual pages, between 1 and 3 physical"));
        Assert.False(QuizCheck.Matches("3 1 3", "3"));
        Assert.True(QuizCheck.Matches("2 2 2", "2 2"));
        Assert.True(QuizCheck.Matches("pa 0x6372", "pa 0x6372 via PML4[0], PDPT[2]"));
        Assert.False(QuizCheck.Matches("pa 0x6372", "a page fault"));
        Assert.True(QuizCheck.Matches("fault 0x6", "it faults with error code 0x6"));
        Assert.False(QuizCheck.Matches("fault 0x6", "it faults with error code 0x7"));
        Assert.True(QuizCheck.Matches("none", "no fault"));
        Assert.True(QuizCheck.Matches("rooms 2 5 pit", "5, 2 and a death pit"));
        Assert.False(QuizCheck.Matches("rooms 2 5 pit", "2 and 5"));
        Assert.Equal(["a", "b"], QuizCheck.ParseAnswers("a\n\n# a comment\nb\n"));
        Assert.Equal(["a", "b"], QuizCheck.ParseAnswers("[\"a\", \"b\"]"));
        Assert.Equal(["a", "b"], QuizCheck.ParseAnswers("{\"answers\": [\"a\", \"b\"]}"));
        Assert.Equal(["x"], QuizCheck.ParseAnswers("{\"kind\":\"walk\",\"seed\":1,\"problems\":[{\"question\":\"q\",\"answer\":\"x\"}]}"));
        Assert.Throws<ArgumentException>(() => QuizCheck.ParseAnswers("{\"answers\": 3}"));
    }

    [Fact]
    public void The_maze_is_named_as_VmLabs_drawing_and_kernel_mode_questions_state_the_control_bits()
    {
        Assert.All(Enumerable.Range(0, 5).SelectMany(s => Quizzes.Make("maze", s).Problems),
            p => Assert.Contains("VmLab's drawing of the seed's maze", p.Question));
        var kernel = Enumerable.Range(0, 10).SelectMany(s => Quizzes.Make("errorcode", s).Problems.Concat(Quizzes.Make("walk", s).Problems))
            .Where(p => p.Question.Contains("kernel-mode", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(kernel);
        Assert.All(kernel, p => Assert.Contains("CR0.WP=1", p.Question));
        Assert.All(kernel, p => Assert.Contains("without SMEP or SMAP", p.Question));
    }

    [Fact]
    public void An_unknown_kind_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Quizzes.Make("tlb", 1));
        Assert.Contains("unknown quiz kind 'tlb'", e.Message);
    }
}

using System.Text.Json;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>The public JSON contracts and exit codes, through the vmlab a user runs.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Vmlab(params string[] args)
    {
        var launcher = ChildLauncher.Locate();
        var psi = new System.Diagnostics.ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in launcher.Prefix.Take(launcher.Prefix.Count - 2).Concat(args)) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, err);
    }

    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void Lab_list_json_names_each_exercise_with_its_seed_part_points_and_language()
    {
        var (code, output, _) = Vmlab("lab", "list", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["exercises"], Keys(root));
        var list = root.GetProperty("exercises").EnumerateArray().ToList();
        Assert.Equal(Catalog.Exercises.Count, list.Count);
        Assert.All(list, e => Assert.Equal(["name", "seed", "part", "points", "language"], Keys(e)));
        Assert.Equal("copy_mappings", list[1].GetProperty("name").GetString());
        Assert.Equal("E1", list[1].GetProperty("part").GetString());
        Assert.Equal("003", list[1].GetProperty("seed").GetString());
    }

    [Fact]
    public void Lab_grade_reference_json_has_the_contract_keys_and_full_marks()
    {
        var (code, output, _) = Vmlab("lab", "grade", "--reference", "copy_mappings", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["score", "max_score", "tests"], Keys(root));
        Assert.Equal(10, root.GetProperty("score").GetInt32());
        Assert.Equal(root.GetProperty("max_score").GetInt32(), root.GetProperty("score").GetInt32());
        Assert.All(root.GetProperty("tests").EnumerateArray(), t =>
        {
            Assert.Equal(["name", "exercise", "points", "passed", "reason", "seconds"], Keys(t));
            Assert.True(t.GetProperty("passed").GetBoolean());
        });
    }

    [Fact]
    public void Lab_grade_text_is_xv6_style()
    {
        var (code, output, _) = Vmlab("lab", "grade", "--reference", "free_everything");
        Assert.Equal(0, code);
        Assert.Matches(@"^sandbox: .*\nfree_everything_all: OK \(\d+\.\d+s\)\nfree_everything_shared: OK \(\d+\.\d+s\)\nScore: 10/10\n$", output.Replace("\r", ""));
    }

    [Fact]
    public void Quiz_json_shows_answers_only_when_asked()
    {
        var (code, output, _) = Vmlab("quiz", "alignment", "--seed", "5", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["kind", "seed", "problems"], Keys(root));
        Assert.Equal("alignment", root.GetProperty("kind").GetString());
        Assert.Equal(5, root.GetProperty("seed").GetInt32());
        Assert.All(root.GetProperty("problems").EnumerateArray(), p => Assert.Equal(["question"], Keys(p)));
        var withAnswers = JsonDocument.Parse(Vmlab("quiz", "alignment", "--seed", "5", "--json", "--answers").Out).RootElement;
        Assert.All(withAnswers.GetProperty("problems").EnumerateArray(), p => Assert.Equal(["question", "answer"], Keys(p)));
    }

    [Theory]
    [InlineData("quiz", "tlb")]
    [InlineData("lab", "grade")]
    [InlineData("lab", "grade", "--reference", "no_such_test")]
    [InlineData("lab", "init")]
    public void Bad_input_is_one_line_on_stderr_and_exit_2(params string[] args)
    {
        var (code, output, err) = Vmlab(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("Exception", err);
    }
}

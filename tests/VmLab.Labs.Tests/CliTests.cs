using System.Text.Json;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>The public JSON contracts and exit codes, through the vmlab a user runs.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Vmlab(params string[] args) => VmlabWith(null, args);

    private static (int Code, string Out, string Err) VmlabWith(string? stdin, params string[] args)
    {
        var launcher = ChildLauncher.Locate();
        var psi = new System.Diagnostics.ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (string a in launcher.Prefix.Take(launcher.Prefix.Count - 2).Concat(args)) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
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

    [Fact]
    public void Quiz_check_marks_answers_from_stdin_and_shows_the_worked_solution_of_a_wrong_one()
    {
        var sheet = VmLab.Labs.Quiz.Quizzes.Make("paging", 7);
        string answers = string.Join("\n", sheet.Problems.Select((p, i) => i == 0 ? (p.Key == "yes" ? "no" : "yes") : VmLab.Labs.Quiz.QuizCheck.Say(p.Key)));
        var (code, output, _) = VmlabWith(answers, "quiz", "paging", "--seed", "7", "--check", "-");
        Assert.Equal(1, code);
        Assert.Contains($"{sheet.Problems.Count - 1} of {sheet.Problems.Count} right", output);
        Assert.Contains("worked solution: ", output);
        var (allCode, json, _) = VmlabWith(string.Join("\n", sheet.Problems.Select(p => p.Key)), "quiz", "paging", "--seed", "7", "--check", "-", "--json");
        Assert.Equal(0, allCode);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(["kind", "seed", "score", "max_score", "problems"], Keys(root));
        Assert.All(root.GetProperty("problems").EnumerateArray(), p => Assert.Equal(["question", "given", "correct", "expected", "answer"], Keys(p)));
    }

    [Fact]
    public void Lab_grade_writes_gradescope_results_and_junit_xml()
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-formats-").FullName;
        try
        {
            string results = Path.Combine(dir, "results.json");
            var (code, output, _) = Vmlab("lab", "grade", "--reference", "free_everything", "--format", "gradescope", "-o", results);
            Assert.Equal(0, code);
            Assert.Equal("", output);
            var root = JsonDocument.Parse(File.ReadAllText(results)).RootElement;
            Assert.Equal(10, root.GetProperty("score").GetDouble());
            var tests = root.GetProperty("tests").EnumerateArray().ToList();
            Assert.Equal(2, tests.Count);
            Assert.All(tests, t =>
            {
                Assert.Equal(t.GetProperty("max_score").GetDouble(), t.GetProperty("score").GetDouble());
                Assert.Equal("passed", t.GetProperty("status").GetString());
                Assert.True(t.TryGetProperty("name", out _) && t.TryGetProperty("output", out _));
            });
            var (junitCode, xml, _) = Vmlab("lab", "grade", "--reference", "free_everything", "--format", "junit");
            Assert.Equal(0, junitCode);
            var suite = System.Xml.Linq.XDocument.Parse(xml).Root!.Element("testsuite")!;
            Assert.Equal("2", suite.Attribute("tests")!.Value);
            Assert.Equal("0", suite.Attribute("failures")!.Value);
            Assert.Equal(["free_everything_all", "free_everything_shared"], suite.Elements("testcase").Select(t => t.Attribute("name")!.Value));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_gradescope_bundle_grades_a_bare_submission_into_results_json()
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-bundle-").FullName;
        try
        {
            string bundle = Path.Combine(dir, "autograder"), submission = Path.Combine(dir, "submission", "nested"), results = Path.Combine(dir, "results");
            string temp = Directory.CreateDirectory(Path.Combine(dir, "tmp")).FullName;
            var (code, output, err) = Vmlab("lab", "gradescope", "-o", bundle, "--exercises", "bigdata,exit");
            Assert.True(code == 0, err);
            Assert.Contains("grades bigdata, exit (25 points)", output);
            Assert.True(File.Exists(Path.Combine(bundle, "setup.sh")) && File.Exists(Path.Combine(bundle, "vmlab", "vmlab")));
            // A submission as Gradescope unpacks it: only the student's files, in a folder of its own.
            Directory.CreateDirectory(submission);
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Solution", "Remap.cs.txt"), Path.Combine(submission, "Remap.cs"));
            var psi = new System.Diagnostics.ProcessStartInfo("/bin/bash", [Path.Combine(bundle, "run_autograder")])
            {
                Environment =
                {
                    ["VMLAB"] = Path.Combine(bundle, "vmlab", "vmlab"),
                    ["VMLAB_SUBMISSION"] = Path.GetDirectoryName(submission)!,
                    ["VMLAB_RESULTS"] = results,
                    ["TMPDIR"] = temp,
                },
            };
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)));
                Assert.Equal(0, p.ExitCode);
            }
            // The build (dotnet, its compiler server, NuGet) and the tests leave nothing in the temp directory.
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
            var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "results.json"))).RootElement;
            Assert.Equal(10, root.GetProperty("score").GetDouble());
            var tests = root.GetProperty("tests").EnumerateArray().ToList();
            Assert.Equal(4, tests.Count);
            Assert.Equal(25, tests.Sum(t => t.GetProperty("max_score").GetDouble()));
            Assert.All(tests.Where(t => t.GetProperty("name").GetString()!.Contains("(exit)")), t =>
            {
                Assert.Equal("failed", t.GetProperty("status").GetString());
                Assert.Contains("Exit.cs is missing", t.GetProperty("output").GetString());
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("quiz", "walk", "--check", "/nonexistent/answers")]
    [InlineData("lab", "grade", "--reference", "fork_", "--json")]
    [InlineData("lab", "grade", "/nonexistent/dir")]
    [InlineData("lab", "gradescope")]
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

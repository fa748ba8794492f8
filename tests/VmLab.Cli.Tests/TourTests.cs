using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>The tour's contract: every step's verdicts, counted, and a summary a person can read.</summary>
public class TourTests
{
    [Fact]
    public void Json_has_steps_with_verdicts_and_the_counts()
    {
        var r = CliRunner.Ok("tour", "--only", "sim walk,sim tlb,maze walk", "--json");
        var j = JsonNode.Parse(r.Out)!.AsObject();
        var steps = j["steps"]!.AsArray();
        Assert.Equal(3, steps.Count);
        Assert.Equal((3, 0, 0), (j["confirmed"]!.GetValue<int>(), j["explained"]!.GetValue<int>(), j["failed"]!.GetValue<int>()));
        foreach (var s in steps)
        {
            Assert.StartsWith("vmlab ", s!["command"]!.GetValue<string>());
            Assert.Equal(0, s["exit_code"]!.GetValue<int>());
            Assert.True(s["result"] is JsonObject, "each step keeps its whole result");
            var verdicts = s["verdicts"]!.AsArray();
            Assert.NotEmpty(verdicts);
            Assert.All(verdicts, v => Assert.Equal("confirmed", v!["status"]!.GetValue<string>()));
            Assert.All(verdicts, v => Assert.False(string.IsNullOrWhiteSpace(v!["claim"]!.GetValue<string>())));
        }
        // The walk's own verdict is the claim, not a generic sentence.
        Assert.Contains("vmiter", steps.Single(s => s!["command"]!.GetValue<string>().StartsWith("vmlab sim walk"))!["verdicts"]![0]!["claim"]!.GetValue<string>());
    }

    [Fact]
    public void A_step_without_verdicts_is_judged_by_its_exit_code_and_an_uncounted_miss_is_explained()
    {
        var v = VmLab.Cli.Framework.Verdicts.Of(null, [], 1, "vmlab x: refused");
        Assert.Equal("failed", Assert.Single(v).Status);
        var stated = VmLab.Cli.Framework.Verdicts.Of(null, [new("a timing", "failed", null)], 0, "");
        Assert.Equal("explained", Assert.Single(stated).Status);
    }

    [Fact]
    public void The_human_tour_ends_with_a_summary_and_points_further()
    {
        var r = CliRunner.Ok("tour", "--only", "sim tlb");
        Assert.Contains("Summary", r.Out);
        Assert.Contains("Tour complete: 1 steps, 1 confirmed.", r.Out);
        bool web = Program.Build().Subcommands.Any(c => c.Name == "web");
        Assert.Equal(web, r.Out.Contains("vmlab web"));
    }

    [Fact]
    public void The_tour_runs_a_fork_written_into_a_fresh_workspace_as_the_students_own_and_removes_it()
    {
        var r = CliRunner.Ok("tour", "--only", "sim run fork", "--json");
        var steps = JsonNode.Parse(r.Out)!["steps"]!.AsArray();
        Assert.Equal(2, steps.Count);
        var mine = steps[1]!;
        string command = mine["command"]!.GetValue<string>();
        Assert.StartsWith("vmlab sim run fork --workspace /", command);
        Assert.Equal(["fork"], mine["result"]!["student_seams"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(mine["result"]!["checker_findings"]!.AsArray());
        Assert.Equal("confirmed", mine["verdicts"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(steps[0]!["result"]!["console"]!.GetValue<string>(), mine["result"]!["console"]!.GetValue<string>());
        Assert.False(Directory.Exists(command["vmlab sim run fork --workspace ".Length..]), "the tour's workspace is removed");
    }

    [Fact]
    public void An_unknown_step_is_named_with_the_valid_ones()
    {
        var r = CliRunner.BadInput("tour", "--only", "anon,bogus");
        Assert.Contains("'bogus'", r.Err);
        Assert.Contains("sim walk", r.Err);
        Assert.Equal("", r.Out);
    }
}

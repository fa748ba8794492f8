using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

public sealed class MazeCommandTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-maze-");

    public void Dispose() => _dir.Dispose();

    private string File(string text) => _dir.Write($"maze{Guid.NewGuid():N}.txt", text);

    private static JsonNode Json(params string[] args) => CliRunner.Json(args);

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    [Fact]
    public void Answers_solves_D1_to_D5_on_the_default_maze()
    {
        var r = CliRunner.Ok("maze", "answers");
        Assert.Contains("verdict: CONFIRMED - D1: 5; D2: 3; D3: 7; D4: 1, 3; D5: 2 drone(s)", r.Out);
        Assert.Contains("reconstruction", r.Out);
        Assert.Contains("CR3", r.Out);
        Assert.Contains("non-present", r.Out);

        var j = Json("maze", "answers");
        Assert.Equal(["5"], Strings(j["d1"]!["start_rooms"]));
        Assert.Equal(["3"], Strings(j["d2"]!["start_rooms"]));
        Assert.Equal(["7"], Strings(j["d3"]!["start_rooms"]));
        Assert.Equal(["1", "3"], Strings(j["d4"]!["rooms"]));
        Assert.Equal(2, j["d5"]!["count"]!.GetValue<int>());
        Assert.True(j["d5"]!["cross_check"]!["agrees"]!.GetValue<bool>());
        Assert.Equal(2, j["d5"]!["cross_check"]!["minimum"]!.GetValue<int>());
        Assert.True(j["all_answered"]!.GetValue<bool>());
        Assert.True(j["reconstruction"]!.GetValue<bool>());
    }

    [Fact]
    public void Show_checks_the_seed_facts()
    {
        var r = CliRunner.Ok("maze", "show");
        Assert.Contains("room 1's 0-exit leads to room 3", r.Out);
        var j = Json("maze", "show");
        Assert.True(j["consistent_with_seed"]!.GetValue<bool>());
        Assert.All(j["facts"]!.AsArray(), f => Assert.True(f!["holds"]!.GetValue<bool>(), f["text"]!.ToString()));

        var text = CliRunner.Run("maze", "show", "--text");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("# Seed 003 Part D", text.Out);
        string file = File(text.Out);
        Assert.Equal(0, CliRunner.Run("maze", "show", "--file", file).ExitCode);
        // The file read back holds the same rooms: only the comment lines are left out.
        var rooms = text.Out.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'));
        Assert.Equal(string.Join('\n', rooms) + "\n", CliRunner.Ok("maze", "show", "--text", "--file", file).Out);

        var other = CliRunner.Run("maze", "show", "--file", File("room 1: 0->2 1->1\nroom 2: 0->pit 1->1\n"));
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("NOT CONFIRMED", other.Out);
    }

    [Fact]
    public void Walk_follows_the_seed_example_and_faults_in_a_pit()
    {
        var ok = Json("maze", "walk", "1", "00");
        Assert.Equal("8", ok["end"]!.GetValue<string>());
        Assert.False(ok["fell_into_pit"]!.GetValue<bool>());
        Assert.Equal(0, CliRunner.Run("maze", "walk", "1", "00").ExitCode);

        var pit = CliRunner.Run("maze", "walk", "3", "1", "--json");
        Assert.Equal(1, pit.ExitCode);
        var j = JsonNode.Parse(pit.Out)!;
        Assert.True(j["fell_into_pit"]!.GetValue<bool>());
        Assert.Equal(1, j["pit_step"]!.GetValue<int>());
        Assert.Equal("pit", j["end"]!.GetValue<string>());
    }

    [Fact]
    public void Reach_lists_every_walk()
    {
        var j = Json("maze", "reach", "3", "--k", "2");
        Assert.Equal(["6", "8"], Strings(j["reachable"]!["rooms"]));
        Assert.True(j["reachable"]!["pit"]!.GetValue<bool>());
        Assert.Equal(4, j["paths"]!.AsArray().Count);
    }

    [Fact]
    public void Queries_accept_any_maze_file_and_k()
    {
        string ring = File("""
            # a ring of three rooms
            room a: 0->b 1->b colour=blue
            room b: 0->c 1->c
            room c: 0->a 1->a colour=red
            """);
        Assert.Equal(["b"], Strings(Json("maze", "reach-all", "--file", ring, "--rooms", "a")["start_rooms"]));
        Assert.Equal(["a"], Strings(Json("maze", "reach-only", "--file", ring, "--k", "3")["start_rooms"]));
        Assert.Equal(["a", "b", "c"], Strings(Json("maze", "boring", "--file", ring, "--k", "3")["start_rooms"]));
        Assert.Empty(Strings(Json("maze", "unreachable", "--file", ring)["rooms"]));
        var d5 = Json("maze", "drones", "--file", ring, "--start", "a", "--target", "a", "--k", "3");
        Assert.Equal(0, d5["count"]!.GetValue<int>());
    }

    [Fact]
    public void Drones_report_impossible_with_exit_1()
    {
        string isolated = File("room s: 0->a 1->a\nroom a: 0->b 1->b\nroom b: 0->b 1->b\nroom t: 0->t 1->t\n");
        var r = CliRunner.Run("maze", "drones", "--file", isolated, "--start", "s", "--target", "t", "--json");
        Assert.Equal(1, r.ExitCode);
        var j = JsonNode.Parse(r.Out)!;
        Assert.False(j["possible"]!.GetValue<bool>());
        Assert.Null(j["count"]);
        Assert.Empty(j["drones"]!.AsArray());
    }

    [Theory]
    [InlineData("room 1: 0->1 1->1\nroom 2: 0->1\n", ":2: room 2: missing its 1-exit")]
    [InlineData("# header\nroom 1: 0->9 1->1\n", ":2: room 1: 0-exit leads to room '9'")]
    [InlineData("room 1: 0->1 1->1\nroom 1: 0->1 1->1\n", ":2: room 1 is defined twice")]
    public void Malformed_files_are_one_line_naming_the_line_and_exit_2(string text, string expected)
    {
        var r = CliRunner.Run("maze", "answers", "--file", File(text));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(expected, r.Err);
    }

    [Theory]
    [InlineData("walk", "1", "012")]
    [InlineData("walk", "42", "01")]
    [InlineData("walk", "1")]
    [InlineData("reach", "1", "--k", "0")]
    [InlineData("reach-all", "--rooms", "6", "--colours", "blue")]
    [InlineData("reach-only", "--colours", "green")]
    [InlineData("drones", "--target", "nowhere")]
    [InlineData("boring", "--bogus")]
    public void Bad_arguments_exit_2_with_one_line(params string[] args)
    {
        var r = CliRunner.BadInput(["maze", .. args]);
    }

    [Fact]
    public void A_missing_file_is_bad_input_in_one_line()
    {
        // Exit 1 means "a fact does not hold"; naming a file that is not there is bad input (2), said plainly.
        var r = CliRunner.Run("maze", "show", "--file", Path.Combine(_dir.Path, "none.txt"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"vmlab maze show: cannot read '{Path.Combine(_dir.Path, "none.txt")}': no such file", r.Err.Trim());
    }

    [Fact]
    public void The_tour_solves_the_maze()
    {
        var r = CliRunner.Ok("tour", "--only", "maze walk,maze answers");
        Assert.Contains("D5: 2 drone(s)", r.Out);
    }
}

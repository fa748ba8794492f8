using System.Text.Json;

namespace VmLab.Cli.Tests;

public class ScenarioCommandTests
{
    [Fact]
    public void Json_has_the_contract_keys()
    {
        var r = CliRunner.Run("sim", "run", "hello", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = JsonDocument.Parse(r.Out).RootElement;
        foreach (string key in new[] { "scenario", "steps", "processes", "faults", "free_frames_before", "free_frames_after", "leaked_frames", "checker_errors" })
            Assert.True(j.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal("hello", j.GetProperty("scenario").GetString());
        Assert.Equal(0, j.GetProperty("leaked_frames").GetInt32());
        Assert.Equal(j.GetProperty("free_frames_before").GetInt64(), j.GetProperty("free_frames_after").GetInt64());
    }

    [Fact]
    public void Unknown_scenario_is_one_line_and_exit_2()
    {
        var r = CliRunner.Run("sim", "run", "nosuch");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Run_help_lists_the_scenarios()
    {
        var r = CliRunner.Run("sim", "run", "--help");
        foreach (string name in new[] { "hello", "allocator", "inspect", "bigdata", "fork", "forkexit", "spawn", "friends" })
            Assert.Contains(name, r.Out);
    }

    [Fact]
    public void Every_scenario_is_a_sub_verb_with_its_options_as_flags_and_a_tour_step()
    {
        var run = Program.Build().Subcommands.Single(c => c.Name == "sim").Subcommands.Single(c => c.Name == "run");
        foreach (var scenario in VmLab.Sim.Scenarios.Scenario.All)
        {
            var verb = (VmLab.Cli.Framework.Verb)run.Subcommands.Single(c => c.Name == scenario.Name);
            Assert.Equal(scenario.Summary, verb.Description);
            Assert.Equal(scenario.Lesson, verb.Tour!.Narrative);
            foreach (var option in scenario.Options)
                Assert.Contains(verb.Options, o => o.Name == "--" + option.Name && o.Description == option.Help);
        }
    }

    [Fact]
    public void A_number_out_of_a_scenario_options_range_is_bad_input_naming_the_range()
    {
        var r = CliRunner.Run("sim", "run", "forkexit", "--count", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--count must be between 1 and 1000000", r.Err);
    }

    [Fact]
    public void Naive_fork_is_reported_and_flagged()
    {
        var r = CliRunner.Run("sim", "run", "fork", "--naive", "--json");
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Contains(j.GetProperty("checker_errors").EnumerateArray(), e => e.GetString()!.StartsWith("writable frame shared"));
        Assert.Contains("parent: x = 2", j.GetProperty("console").GetString());
    }

    [Fact]
    public void Friends_json_pins_both_kernels()
    {
        var bad = JsonDocument.Parse(CliRunner.Run("sim", "run", "friends", "--vulnerable", "--json").Out).RootElement;
        Assert.True(bad.GetProperty("attack_succeeded").GetBoolean());
        var good = JsonDocument.Parse(CliRunner.Run("sim", "run", "friends", "--json").Out).RootElement;
        Assert.False(good.GetProperty("attack_succeeded").GetBoolean());
        Assert.Equal(40, good.GetProperty("alice_progress").GetInt32());
        Assert.StartsWith("page_alloc returned -1", good.GetProperty("eve_status").GetString());
    }

    [Fact]
    public void Scenario_rejects_options_it_does_not_take()
    {
        var r = CliRunner.Run("sim", "run", "hello", "--naive");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--naive", r.Err);
    }
}

public class PipeCommandTests
{
    [Fact]
    public void Pipe_best_reports_two_syscalls_per_message_intact()
    {
        var r = CliRunner.Run("sim", "run", "pipe", "--kernel", "best", "--messages", "50", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.True(j.GetProperty("intact").GetBoolean());
        Assert.Equal(50, j.GetProperty("messages_delivered").GetInt32());
        Assert.True(j.GetProperty("syscalls_per_message").GetDouble() <= 2);
        Assert.True(j.GetProperty("instructions").GetInt64() > 0);
    }

    [Fact]
    public void Pipe_rejects_an_unknown_kernel()
    {
        var r = CliRunner.Run("sim", "run", "pipe", "--kernel", "fast");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--kernel", r.Err);
    }
}

using System.Text.Json.Nodes;
using VmLab.Linux;

namespace VmLab.Cli.Tests;

public class FriendlyCommandTests
{
    /// <summary>A fact that needs Linux (real processes, LD_PRELOAD); skipped elsewhere with the reason.</summary>
    public sealed class LinuxFactAttribute : FactAttribute
    {
        public LinuxFactAttribute()
        {
            if (!OperatingSystem.IsLinux())
                Skip = "needs Linux";
        }
    }

    [LinuxFact]
    public void Lib_prints_the_absolute_path_of_the_built_library()
    {
        var r = CliRunner.Ok("friendly", "--lib");
        string path = r.Out.Trim();
        Assert.True(Path.IsPathRooted(path), path);
        Assert.EndsWith("/libetsbefriends.so", path);
        Assert.True(File.Exists(path));
    }

    [LinuxFact]
    public void A_faulting_program_is_relayed_and_its_status_returned()
    {
        var r = CliRunner.Run("friendly", "--", Friendly.TestProgramPath, "null");
        Assert.Equal(Friendly.FaultExitStatus, r.ExitCode);
        var fault = FriendlyFault.Parse(r.Err);
        Assert.NotNull(fault);
        Assert.Equal(FaultClassification.NullPointer, fault.Classification);
        Assert.DoesNotContain("Segmentation fault", r.Err);
    }

    [LinuxFact]
    public void A_quiet_program_keeps_its_output_and_status()
    {
        var r = CliRunner.Run("friendly", "--", "sh", "-c", "echo hello; exit 3");
        Assert.Equal((3, "hello\n", ""), (r.ExitCode, r.Out, r.Err));
    }

    [LinuxFact]
    public void Json_names_the_message_address_and_classification()
    {
        var r = CliRunner.Run("friendly", "--json", "--seed", "7", "--", Friendly.TestProgramPath, "stack");
        Assert.Equal(Friendly.FaultExitStatus, r.ExitCode);
        var j = JsonNode.Parse(r.Out)!;
        Assert.Equal(Friendly.TestProgramPath, (string?)j["program"]);
        Assert.Equal(Friendly.FaultExitStatus, (int)j["exit_status"]!);
        Assert.True((bool)j["faulted"]!);
        Assert.Equal("stack_overflow", (string?)j["classification"]);
        Assert.StartsWith("0x", (string?)j["fault_address"]);
        Assert.False(string.IsNullOrEmpty((string?)j["message"]));
        // A fixed seed gives the same message again.
        var again = JsonNode.Parse(CliRunner.Run("friendly", "--json", "--seed", "7", "--", Friendly.TestProgramPath, "null").Out)!;
        Assert.Equal((string?)j["message"], (string?)again["message"]);
    }

    [LinuxFact]
    public void Messages_option_replaces_the_list()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "Only this one.\n");
            var r = CliRunner.Run("friendly", "--json", "--messages", file, "--", Friendly.TestProgramPath, "readonly");
            var j = JsonNode.Parse(r.Out)!;
            Assert.Equal("Only this one.", (string?)j["message"]);
            Assert.Equal("read_only_write", (string?)j["classification"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [LinuxFact]
    public void Bad_programs_get_one_line_and_the_shell_statuses()
    {
        var missing = CliRunner.Run("friendly", "--", "no-such-program-anywhere");
        Assert.Equal(127, missing.ExitCode);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Assert.Contains("no such program", missing.Err);

        string file = Path.GetTempFileName();   // exists, mode 0600: not executable, even for root
        try
        {
            var denied = CliRunner.Run("friendly", "--", file);
            Assert.Equal(126, denied.ExitCode);
            Assert.Single(denied.Err.Trim().Split('\n'));
            Assert.Contains("not executable", denied.Err);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(new[] { "friendly" }, "no program given")]
    [InlineData(new[] { "friendly", "--" }, "no program given")]
    [InlineData(new[] { "friendly", "ls" }, "put '--' before the program")]
    [InlineData(new[] { "friendly", "--lib", "--demo" }, "choose one of")]
    [InlineData(new[] { "friendly", "--bogus", "--", "ls" }, "'--bogus'")]
    [InlineData(new[] { "friendly", "--demo", "--seed", "3" }, "apply to a program run")]
    [InlineData(new[] { "friendly", "--seed", "x", "--", "ls" }, "not a number")]
    public void Usage_errors_are_one_line_and_exit_2(string[] args, string text)
    {
        var r = CliRunner.BadInput(args);
        Assert.Contains(text, r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [LinuxFact]
    public void Demo_confirms_every_kind_of_fault()
    {
        var r = CliRunner.Run("friendly", "--demo");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        Assert.Contains("verdict: CONFIRMED", r.Out);
        Assert.Contains("stack overflow", r.Out);

        var j = JsonNode.Parse(CliRunner.Run("friendly", "--demo", "--json").Out)!;
        Assert.True((bool)j["all_caught"]!);
        Assert.Equal(5, j["runs"]!.AsArray().Count);
    }

    [LinuxFact]
    public void The_tour_step_shows_the_friendly_message()
    {
        var r = CliRunner.Run("tour", "--only", "friendly");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        Assert.Contains("vmlab friendly --demo", r.Out);
        Assert.Contains("null-pointer dereference", r.Out);
    }
}

using System.Text.Json;

namespace VmLab.Cli.Tests;

/// <summary><c>vmlab sim memory</c>: the viewer over its demonstration machines.</summary>
public class MemoryCommandTests
{
    [Fact]
    public void Json_has_the_documented_keys_and_counts_that_add_up()
    {
        var r = CliRunner.Run("sim", "memory", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(512, j.GetProperty("frames").GetInt32());
        var owners = j.GetProperty("owners");
        int free = j.GetProperty("free_frames").GetInt32();
        Assert.Equal(free, owners.GetProperty("free").GetInt32());
        int sum = new[] { "free", "reserved", "kernel", "console", "page_table", "process" }.Sum(k => owners.GetProperty(k).GetInt32());
        Assert.Equal(512, sum);
        Assert.Equal(owners.GetProperty("process").GetInt32(), owners.GetProperty("pid_1").GetInt32() + owners.GetProperty("pid_2").GetInt32());
        var rows = j.GetProperty("rows").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(8, rows.Count);
        Assert.All(rows, row => Assert.Equal(64, row.Length));
        Assert.Equal(free, rows.Sum(row => row.Count(c => c == '.')));
        Assert.Contains('S', rows[0]);
        var procs = j.GetProperty("processes").EnumerateArray().ToList();
        Assert.Equal(["alice", "bob"], procs.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([1, 2], procs.Select(p => p.GetProperty("pid").GetInt32()));
        foreach (var p in procs)
        {
            Assert.True(p.GetProperty("mapped_pages").GetInt32() > 0);
            Assert.Equal(12, p.GetProperty("rows").GetArrayLength());
            Assert.Equal(12, p.GetProperty("access_rows").GetArrayLength());
        }
        Assert.All(j.GetProperty("observations").EnumerateArray(), o => Assert.True(o.GetProperty("holds").GetBoolean()));
    }

    [Fact]
    public void Plain_output_has_maps_legend_and_verdict_and_no_escapes()
    {
        var r = CliRunner.Run("sim", "memory", "--no-color");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.DoesNotContain('\e', r.Out);
        Assert.Contains("PHYSICAL MEMORY  512 frames", r.Out);
        Assert.Contains("0x040000  KKKK", r.Out);
        Assert.Contains("VIRTUAL MEMORY  pid 1 (alice)", r.Out);
        Assert.Contains("legend:", r.Out);
        Assert.Contains("verdict: CONFIRMED", r.Out);
    }

    [Fact]
    public void Colour_on_request_and_the_large_demo_is_summarised()
    {
        var c = CliRunner.Run("sim", "memory", "--color");
        Assert.Contains("\e[", c.Out);
        var r = CliRunner.Run("sim", "memory", "--demo", "large", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(16384, j.GetProperty("frames").GetInt32());
        Assert.Equal(4, j.GetProperty("frames_per_cell").GetInt32());
        Assert.Equal(64, j.GetProperty("rows").GetArrayLength());
    }

    [Theory]
    [InlineData("--demo", "nosuch")]
    [InlineData("--limit", "0x1234")]
    [InlineData("--color", "--no-color")]
    [InlineData("--bogus")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var r = CliRunner.Run(["sim", "memory", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Help_documents_the_legend()
    {
        var r = CliRunner.Run("sim", "memory", "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (string s in new[] { "K  kernel", "R  reserved", "C  console", "P  page-table page", "S  shared frame", "u  user read-only" })
            Assert.Contains(s, r.Out);
    }

    [Fact]
    public void The_tour_step_draws_the_maps()
    {
        var r = CliRunner.Run("tour", "--only", "sim memory");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("PHYSICAL MEMORY", r.Out);
        Assert.DoesNotContain('\e', r.Out);
    }
}

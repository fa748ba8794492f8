using System.Text.Json;

namespace VmLab.Cli.Tests;

/// <summary><c>vmlab sim memory</c>: the viewer over its demonstration machines.</summary>
public class MemoryCommandTests
{
    [Fact]
    public void Json_has_the_documented_keys_and_counts_that_add_up()
    {
        var r = CliRunner.Ok("sim", "memory", "--json");
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
        var r = CliRunner.Ok("sim", "memory", "--no-color");
        Assert.DoesNotContain('\e', r.Out);
        foreach (string s in new[] { "PHYSICAL MEMORY  512 frames", "0x040000  KKKK", "VIRTUAL MEMORY  pid 1 (alice)", "legend:", "verdict: CONFIRMED" })
            Assert.Contains(s, r.Out);
    }

    [Fact]
    public void Colour_on_request_and_the_large_demo_is_summarised()
    {
        var c = CliRunner.Run("sim", "memory", "--color");
        Assert.Contains("\e[", c.Out);
        var r = CliRunner.Ok("sim", "memory", "--demo", "large", "--json");
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(16384, j.GetProperty("frames").GetInt32());
        Assert.Equal(4, j.GetProperty("frames_per_cell").GetInt32());
        Assert.Equal(64, j.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public void Help_documents_the_legend()
    {
        var r = CliRunner.Ok("sim", "memory", "--help");
        foreach (string s in new[] { "K  kernel", "R  reserved", "C  console", "P  page-table page", "S  shared frame", "u  user read-only" })
            Assert.Contains(s, r.Out);
    }

    [Fact]
    public void The_tour_step_draws_the_maps()
    {
        var r = CliRunner.Ok("tour", "--only", "sim memory");
        Assert.Contains("PHYSICAL MEMORY", r.Out);
        Assert.DoesNotContain('\e', r.Out);
    }
}

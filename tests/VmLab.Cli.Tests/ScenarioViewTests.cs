using System.Text.Json;

namespace VmLab.Cli.Tests;

public class ScenarioViewTests
{
    [Fact]
    public void View_shows_memory_at_its_fullest_and_at_the_end()
    {
        var r = CliRunner.Run("sim", "run", "allocator", "--view", "--no-color");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Memory at its fullest (0 frames free)", r.Out);
        // The allocators take every free frame, so the viewer also shows memory a quarter, half and 3/4 full.
        foreach (int q in new[] { 1, 2, 3 })
            Assert.Contains($"Memory filling up ({q}/4 of the", r.Out);
        Assert.Contains("Memory at the end", r.Out);
        Assert.Contains("PHYSICAL MEMORY", r.Out);
        // At its fullest the three allocators each have a page table and pages of their own.
        foreach (int pid in new[] { 1, 2, 3 })
            Assert.Contains($"VIRTUAL MEMORY  pid {pid} (allocator)", r.Out);
        Assert.DoesNotContain("\u001b[", r.Out);
    }

    [Fact]
    public void View_at_the_end_shows_every_process_frame_given_back()
    {
        var r = CliRunner.Run("sim", "run", "forkexit", "--count", "50", "--view", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var views = doc.RootElement.GetProperty("views");
        var end = views[views.GetArrayLength() - 1];
        Assert.Equal("at the end", end.GetProperty("moment").GetString());
        Assert.Equal(doc.RootElement.GetProperty("free_frames_before").GetUInt64(), end.GetProperty("free_frames").GetUInt64());
        string text = end.GetProperty("text").GetString()!;
        Assert.Contains("process=0", text);
        Assert.DoesNotContain("VIRTUAL MEMORY  pid", text);
    }

    [Fact]
    public void Without_view_there_are_no_snapshots()
    {
        var r = CliRunner.Run("sim", "run", "hello", "--json");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("views").ValueKind);
    }

    [Fact]
    public void Color_and_no_color_together_is_a_usage_error()
    {
        var r = CliRunner.Run("sim", "run", "hello", "--view", "--color", "--no-color");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--color or --no-color", r.Err);
    }
}

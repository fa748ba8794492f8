using System.Text.Json;

namespace VmLab.Cli.Tests;

/// <summary>The seed's Part A answers, through the verbs a student would type.</summary>
public class PagingCommandTests
{
    private static JsonElement Json(int expectedExit, params string[] args)
    {
        var r = CliRunner.Run(["sim", .. args, "--json"]);
        Assert.True(r.ExitCode == expectedExit, $"exit {r.ExitCode}: {r.Err}");
        return JsonDocument.Parse(r.Out).RootElement;
    }

    [Fact]
    public void A1_is_a_valid_mapping()
    {
        var j = Json(0, "check-mapping", "0->0", "10->10", "0x3009->0x19009");
        Assert.True(j.GetProperty("valid").GetBoolean());
        Assert.All(j.GetProperty("translations").EnumerateArray(), t => Assert.True(t.GetProperty("ok").GetBoolean()));
    }

    [Fact]
    public void A2_breaks_the_page_offset_rule_and_names_the_pair()
    {
        var j = Json(1, "check-mapping", "4095->8193", "4096->0");
        Assert.False(j.GetProperty("valid").GetBoolean());
        Assert.Contains("0xfff->0x2001", j.GetProperty("reason").GetString());
        var v = Assert.Single(j.GetProperty("violations").EnumerateArray());
        Assert.Equal("page offset not preserved", v.GetProperty("rule").GetString());
    }

    [Fact]
    public void A4_three_pages_on_one_frame_is_valid()
    {
        var j = Json(0, "check-mapping", "0->0x1F000", "0x1000->0x1F000", "0x2000->0x1F000");
        Assert.True(j.GetProperty("valid").GetBoolean());
        Assert.Equal(3, j.GetProperty("virtual_pages").GetInt32());
        Assert.Equal(1, j.GetProperty("frames").GetInt32());
    }

    [Fact]
    public void One_virtual_page_to_two_frames_and_bad_addresses_are_named()
    {
        var j = Json(1, "check-mapping", "0x1000->0x2000", "0x1004->0x3004", "0x800000000000->0x0", "0x5000->0x10000000000000");
        var rules = j.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("rule").GetString()).ToList();
        Assert.Contains("one virtual page mapped to two frames", rules);
        Assert.Contains("non-canonical virtual address", rules);
        Assert.Contains("physical address out of range", rules);
    }

    [Fact]
    public void A3_map_calls_are_page_aligned_and_translate_every_pair()
    {
        var j = Json(0, "map-calls", "0->0x1F000", "0x4019->0x19", "0x1000FF->0x500FF");
        var calls = j.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("c").GetString()).ToList();
        Assert.Equal(
            ["vmiter(pt3, 0x0).map(0x1F000, PTE_P|PTE_W);", "vmiter(pt3, 0x4000).map(0x0, PTE_P|PTE_W);", "vmiter(pt3, 0x100000).map(0x50000, PTE_P|PTE_W);"],
            calls);
        Assert.True(j.GetProperty("all_translate").GetBoolean());
        Assert.Equal(4, j.GetProperty("table_pages").GetInt32());
    }

    [Fact]
    public void Map_calls_refuses_an_invalid_mapping_in_one_line()
    {
        var r = CliRunner.Run("sim", "map-calls", "4095->8193");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("page offset not preserved", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4096, 1)]
    [InlineData(4097, 2)]
    [InlineData(10000, 3)]
    public void A5_A6_aligned_object_overlaps_ceil_size_over_4096_virtual_pages(long size, int pages)
    {
        var j = Json(0, "pages", "--aligned", "--size", size.ToString());
        Assert.Equal(pages, j.GetProperty("virtual_pages").GetInt32());
        Assert.Equal(1, j.GetProperty("min_physical_pages").GetInt32());
        Assert.Equal(pages, j.GetProperty("max_physical_pages").GetInt32());
    }

    [Theory]
    [InlineData("0x1ff0", "32", 2)]
    [InlineData("0x1000", "4096", 1)]
    [InlineData("0x1fff", "4098", 3)]
    [InlineData("4095", "1", 1)]
    public void A7_unaligned_object_overlaps_last_page_minus_first_page_plus_one(string va, string size, int pages)
    {
        var j = Json(0, "pages", "--va", va, "--size", size);
        Assert.Equal(pages, j.GetProperty("virtual_pages").GetInt32());
        Assert.Equal(1, j.GetProperty("min_physical_pages").GetInt32());
        Assert.Equal(pages, j.GetProperty("max_physical_pages").GetInt32());
    }

    [Fact]
    public void Walk_reports_the_real_x86_error_code_for_a_user_write_to_read_only_code()
    {
        var j = Json(0, "walk", "--va", "0x100123", "--access", "write");
        Assert.Equal(4, j.GetProperty("steps").GetArrayLength());
        var f = j.GetProperty("fault");
        Assert.Equal("0x7", f.GetProperty("error_code").GetString());
        Assert.Equal("0x100123", f.GetProperty("cr2").GetString());
        Assert.Equal(JsonValueKind.Null, j.GetProperty("pa").ValueKind);
    }

    [Fact]
    public void Walk_shows_isolation_large_pages_and_reserved_bits()
    {
        Assert.Equal("0x5", Json(0, "walk", "--va", "0x40000").GetProperty("fault").GetProperty("error_code").GetString());
        Assert.Equal("0x40000", Json(0, "walk", "--va", "0x40000", "--mode", "supervisor").GetProperty("pa").GetString());
        Assert.Equal("0xd", Json(0, "walk", "--va", "0x300000").GetProperty("fault").GetProperty("error_code").GetString());
        Assert.Equal("0x15", Json(0, "walk", "--va", "0x101000", "--access", "fetch").GetProperty("fault").GetProperty("error_code").GetString());
        var large = Json(0, "walk", "--va", "0x80001234", "--mode", "supervisor");
        Assert.Equal(3, large.GetProperty("steps").GetArrayLength());
        Assert.Equal("2 MiB", large.GetProperty("page_size").GetString());
        Assert.Equal("general_protection", Json(0, "walk", "--va", "0x800000000000").GetProperty("fault").GetProperty("kind").GetString());
    }

    [Fact]
    public void Tlb_demo_shows_the_stale_read_and_its_cure()
    {
        var j = Json(0, "tlb");
        Assert.True(j.GetProperty("stale_read_seen").GetBoolean());
        Assert.True(j.GetProperty("invlpg_fixed").GetBoolean());
    }

    [Theory]
    [InlineData("check-mapping", "0x3009-0x19009", "'0x3009-0x19009'")]
    [InlineData("check-mapping", "0x30z9->1", "'0x30z9'")]
    [InlineData("walk", "--va", "banana")]
    [InlineData("pages", "--va", "0x10")]
    [InlineData("pages", "--aligned", "--size")]
    [InlineData("walk", "--va", "0x1000", "--access", "jump")]
    public void Bad_input_is_one_line_naming_the_problem(params string[] args)
    {
        var r = CliRunner.BadInput(["sim", .. args.Where(a => !a.StartsWith('\''))]);
        foreach (string expected in args.Where(a => a.StartsWith('\'')))
            Assert.Contains(expected, r.Err);
    }

    [Fact]
    public void Human_output_ends_with_a_verdict()
    {
        var r = CliRunner.Ok("sim", "check-mapping", "0->0x1F000", "0x1000->0x1F000");
        Assert.Contains("verdict: CONFIRMED", r.Out);
        Assert.Contains("vmiter(pt3, 0x1000).map(0x1F000, PTE_P|PTE_W);", r.Out);
    }
}

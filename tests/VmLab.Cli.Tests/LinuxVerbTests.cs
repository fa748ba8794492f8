using System.Diagnostics;
using System.Text.Json.Nodes;
using VmLab.Linux;

namespace VmLab.Cli.Tests;

/// <summary>The seed-000 verbs as a user runs them: JSON keys with real values, verdicts, bad input.</summary>
public class LinuxVerbTests
{
    /// <summary>Runs a verb with --json; it must exit 0 (a timing that does not hold is "explained", not an error).</summary>
    private static JsonObject Json(params string[] args)
    {
        var r = CliRunner.Run([.. args, "--json"]);
        Assert.True(r.ExitCode == 0, $"vmlab {string.Join(' ', args)} exited {r.ExitCode}: {r.Err}");
        Assert.Equal("", r.Err);
        return JsonNode.Parse(r.Out)!.AsObject();
    }

    private static void AssertPfn(JsonObject o, string key)
    {
        Assert.True(o.ContainsKey(key), $"missing key {key}");
        if (Platform.CanReadFrames)
            Assert.True(o[key]!.GetValue<ulong>() > 0, $"{key} should be a frame number as root");
        else
            Assert.Null(o[key]);
    }

    [Fact]
    public void Anon_json_has_the_issue_keys_with_observed_values()
    {
        if (!OperatingSystem.IsLinux()) return;
        var o = Json("anon");
        Assert.False(o["present_before_write"]!.GetValue<bool>());
        Assert.True(o["present_after_write"]!.GetValue<bool>());
        Assert.True(o["zero_filled"]!.GetValue<bool>());
        AssertPfn(o, "pfn");
    }

    [Fact]
    public void Cow_json_has_timings_and_frames()
    {
        if (!OperatingSystem.IsLinux()) return;
        var o = Json("cow", "--pages", "32");
        var verdicts = o["verdicts"]!.AsArray().Select(v => (Claim: v!["claim"]!.GetValue<string>(), Status: v["status"]!.GetValue<string>())).ToList();
        Assert.Equal(2, verdicts.Count);
        Assert.Equal("confirmed", verdicts.Single(v => v.Claim.Contains("own copy of every page")).Status);
        Assert.Contains(verdicts.Single(v => v.Claim.Contains("slower than the second")).Status, new[] { "confirmed", "explained" });
        var spread = o["first_vs_second"]!.AsObject();
        Assert.True(spread["q1"]!.GetValue<double>() <= spread["median"]!.GetValue<double>());
        Assert.True(spread["median"]!.GetValue<double>() <= spread["q3"]!.GetValue<double>());
        Assert.Equal(32, o["pages"]!.GetValue<int>());
        Assert.True(o["first_write_ns_per_page"]!.GetValue<double>() > 0);
        Assert.True(o["second_write_ns_per_page"]!.GetValue<double>() > 0);
        AssertPfn(o, "parent_pfn");
        AssertPfn(o, "child_pfn_before_write");
        AssertPfn(o, "child_pfn_after_write");
        if (Platform.CanReadFrames)
            Assert.NotEqual(o["parent_pfn"]!.GetValue<ulong>(), o["child_pfn_after_write"]!.GetValue<ulong>());
        Assert.Equal(32, o["exclusive_after_write"]!.GetValue<int>());
        Assert.Equal(0, o["exclusive_before_write"]!.GetValue<int>());
        Assert.True(o["parent_unchanged"]!.GetValue<bool>());
    }

    [Fact]
    public void Fork_json_shows_the_parent_keeping_its_value()
    {
        if (!OperatingSystem.IsLinux()) return;
        var o = Json("fork", "--initial", "7", "--child-value", "8");
        Assert.Equal(7, o["parent_value"]!.GetValue<int>());
        Assert.Equal(8, o["child_value"]!.GetValue<int>());
        Assert.True(o["same_virtual_address"]!.GetValue<bool>());
        AssertPfn(o, "parent_pfn");
        AssertPfn(o, "child_pfn");
    }

    [Fact]
    public void Mmap_json_says_the_file_matches()
    {
        if (!OperatingSystem.IsLinux()) return;
        var o = Json("mmap", "--bytes", "12K");
        Assert.True(o["file_matches"]!.GetValue<bool>());
        Assert.Equal(12 * 1024, o["bytes"]!.GetValue<int>());
    }

    [Fact]
    public void Pthread_json_shows_sharing()
    {
        if (!OperatingSystem.IsLinux()) return;
        var o = Json("pthread");
        Assert.True(o["write_visible"]!.GetValue<bool>());
        Assert.False(o["fork_write_visible"]!.GetValue<bool>());
        if (Platform.CanReadFrames)
            Assert.True(o["same_pfn"]!.GetValue<bool>());
        else
            Assert.Null(o["same_pfn"]);
    }

    [Fact]
    public void Human_output_has_observations_and_a_verdict()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (string verb in new[] { "anon", "cow", "fork", "mmap", "pthread" })
        {
            var r = CliRunner.Run(verb);
            Assert.True(r.ExitCode == 0, $"{verb}: {r.Err}");
            Assert.Contains("Observed\n--------", r.Out);
            Assert.Contains(verb == "cow" ? "verdict: CONFIRMED - after its first write the child has its own copy" : "verdict: CONFIRMED", r.Out);
            if (!Platform.CanReadFrames && verb != "mmap")
                Assert.Contains("hidden (needs root)", r.Out);
        }
    }

    [Fact]
    public void Pagemap_lists_this_process_and_decodes_an_address()
    {
        if (!OperatingSystem.IsLinux()) return;
        var summary = CliRunner.Run("pagemap");
        Assert.Equal(0, summary.ExitCode);
        Assert.Contains("[stack]", summary.Out);
        var regions = Json("pagemap", "--pid", Environment.ProcessId.ToString());
        var stack = regions["regions"]!.AsArray().First(x => x!["name"]!.GetValue<string>() == "[stack]")!;
        ulong start = stack["start"]!.GetValue<ulong>(), end = stack["end"]!.GetValue<ulong>();
        var pages = Json("pagemap", $"0x{end - 4096:x}", "--pages", "1");
        Assert.Single(pages["page_rows"]!.AsArray());
        var range = Json("pagemap", "--range", $"0x{end - 3 * 4096:x}-0x{end:x}");
        Assert.Equal(3, range["page_rows"]!.AsArray().Count);
        Assert.True(start < end);
    }

    [Theory]
    [InlineData(2, "--pid", "abc")]
    [InlineData(2, "--pid", "0")]
    [InlineData(1, "--pid", "2147483647")]
    [InlineData(2, "--range", "0x2000-0x1000")]
    [InlineData(2, "--range", "nonsense")]
    [InlineData(2, "0x1000", "--range", "0x1000-0x2000")]
    public void Pagemap_bad_input_is_one_line_and_non_zero(int code, params string[] args)
    {
        if (!OperatingSystem.IsLinux()) return;
        var r = CliRunner.Run(["pagemap", .. args]);
        Assert.Equal(code, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Theory]
    [InlineData("cow", "--pages", "lots")]
    [InlineData("cow", "--pages", "0")]
    [InlineData("anon", "--bytes", "12Q")]
    [InlineData("fork", "--initial", "5", "--child-value", "5")]
    [InlineData("mmap", "--overwrite")]
    public void Bad_numbers_are_usage_errors(params string[] args)
    {
        var r = CliRunner.BadInput(args);
    }

    [Fact]
    public void Mmap_into_a_missing_or_read_only_directory_fails_cleanly()
    {
        if (!OperatingSystem.IsLinux()) return;
        var missing = CliRunner.Run("mmap", "--file", "/no/such/dir/vmlab.bin");
        Assert.Equal(1, missing.ExitCode);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Assert.Contains("does not exist", missing.Err);
        // /proc refuses new files even for root: a read-only directory for everyone.
        var readOnly = CliRunner.Run("mmap", "--file", "/proc/vmlab-test.bin");
        Assert.Equal(1, readOnly.ExitCode);
        Assert.Single(readOnly.Err.Trim().Split('\n'));
        Assert.Contains("cannot create", readOnly.Err);
        // Even with --overwrite, only a regular file is ever replaced.
        var device = CliRunner.Run("mmap", "--file", "/dev/null", "--overwrite");
        Assert.Equal(1, device.ExitCode);
        Assert.Contains("not a regular file", device.Err);
    }

    [Fact]
    public void Mmap_keeps_a_named_file_and_refuses_to_clobber_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = Path.Combine(Path.GetTempPath(), $"vmlab-cli-{Guid.NewGuid():N}.bin");
        try
        {
            Assert.Equal(0, CliRunner.Run("mmap", "--file", path, "--bytes", "8K").ExitCode);
            Assert.Equal(8192, new FileInfo(path).Length);
            byte[] before = File.ReadAllBytes(path);
            var again = CliRunner.Run("mmap", "--file", path, "--bytes", "4K");
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already exists", again.Err);
            Assert.Equal(before, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fork_verbs_are_safe_with_write_xor_execute_on()
    {
        // The test host runs with W^X off (runsettings); run the real vmlab with it explicitly on, fork many
        // times, and let the same process go on to JIT and run more verbs afterwards.
        if (!OperatingSystem.IsLinux()) return;
        string dll = Path.Combine(AppContext.BaseDirectory, "vmlab.dll");
        var (code, output, error) = RunVmlab(dll, "cow", "--pages", "16", "--repeat", "30", "--json");
        Assert.True(code == 0 && error == "", $"cow with W^X on exited {code}: {error}");
        Assert.Equal(30, JsonNode.Parse(output)!["repeats"]!.GetValue<int>());

        (code, output, error) = RunVmlab(dll, "tour", "--only", "fork,cow,pthread,anon,pagemap", "--json");
        var steps = JsonNode.Parse(output)!["steps"]!.AsArray();
        Assert.Equal(5, steps.Count);
        // Every step ran to its verdict and exited 0 (cow's timing can only be explained, never failed).
        Assert.All(steps, s => Assert.True(s!["result"] is JsonObject, $"{s!["command"]}: {s["error"]}"));
        Assert.All(steps, s => Assert.Equal(0, s!["exit_code"]!.GetValue<int>()));
        // The tour's pagemap step lists only its top areas (--top 12); proof that W^X really is on in a vmlab
        // started this way: the JIT's double-mapped code heap is in its maps.
        (_, output, _) = RunVmlab(dll, "pagemap", "--json");
        var regions = JsonNode.Parse(output)!["regions"]!.AsArray();
        Assert.Contains(regions, r => r!["name"]!.GetValue<string>().Contains("doublemapper"));
    }

    private static (int Code, string Out, string Err) RunVmlab(string dll, params string[] args)
    {
        string host = Environment.ProcessPath is { } p && Path.GetFileName(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "1";
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        string stderr = proc.StandardError.ReadToEnd();
        Assert.True(proc.WaitForExit(120_000), "vmlab did not finish in 2 minutes");
        return (proc.ExitCode, stdout.Result, stderr);
    }
}

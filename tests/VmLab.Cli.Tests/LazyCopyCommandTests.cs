using System.Text.Json;

namespace VmLab.Cli.Tests;

public class LazyCopyCommandTests
{
    private static readonly string[] ContractKeys =
    [
        "name", "chunk_bytes", "chunks", "eager_copy_ns", "lazy_copy_ns", "eager_first_write_ns", "lazy_first_write_ns",
        "later_write_ns", "read_pass_ns", "correct",
    ];

    [Fact]
    public void Json_has_every_contract_key_for_every_strategy_and_lazy_copies_are_correct()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var r = CliRunner.Run("lazycopy", "--strategy", "all", "--size", "16K", "--chunks", "16", "--json");
        Assert.True(r.ExitCode == 0, r.Err);   // timing claims are confirmed or explained, never an error
        using var doc = JsonDocument.Parse(r.Out);
        var strategies = doc.RootElement.GetProperty("strategies").EnumerateArray().ToList();
        Assert.Equal(["segv", "uffd", "kcow"], strategies.Select(s => s.GetProperty("name").GetString()));
        foreach (var s in strategies)
        {
            foreach (string key in ContractKeys)
                Assert.True(s.TryGetProperty(key, out _), $"{s.GetProperty("name")} lacks {key}");
            Assert.Equal(16384, s.GetProperty("chunk_bytes").GetInt32());
            Assert.Equal(16, s.GetProperty("chunks").GetInt32());
            if (s.GetProperty("unavailable").ValueKind == JsonValueKind.String)
                continue;   // uffd without the privilege: figures are null, the reason is given
            Assert.True(s.GetProperty("correct").GetBoolean());
            Assert.True(s.GetProperty("lazy_copy_ns").GetDouble() > 0);
            Assert.True(s.GetProperty("distribution").GetProperty("lazy_first_write").GetProperty("p90").GetDouble() > 0);
            if (s.GetProperty("name").GetString() != "kcow")
            {
                // Every first write to a lazy copy splits it (the counters are process-wide, and other tests
                // may split at the same time); the pool serves at most all of them.
                long splits = s.GetProperty("splits").GetInt64();
                Assert.True(splits >= 16, $"{splits} splits");
                Assert.InRange(s.GetProperty("spare_splits").GetInt64(), 0, splits);
            }
        }
        // The yardstick: the kernel's own fork COW fault, measured in the same run.
        Assert.True(doc.RootElement.GetProperty("kernel_fork_cow_write_ns").GetDouble() > 0);
        Assert.Contains(doc.RootElement.GetProperty("best_first_write").GetString(), new[] { "segv", "uffd", "kcow" });
        Assert.True(doc.RootElement.GetProperty("best_first_write_vs_fork_cow").GetDouble() > 0);
    }

    [Fact]
    public void Json_sweep_crossover_and_verdicts_follow_the_contract()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var r = CliRunner.Run("lazycopy", "--sizes", "8K,64K", "--chunks", "8", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        var available = root.GetProperty("strategies").EnumerateArray()
            .Where(s => s.GetProperty("unavailable").ValueKind != JsonValueKind.String).Select(s => s.GetProperty("name").GetString()).Distinct().ToList();
        var sweep = root.GetProperty("sweep").EnumerateArray().ToList();
        Assert.Equal(available.Count * 2, sweep.Count);   // one row per strategy and size
        foreach (var row in sweep)
        {
            Assert.Equal(["name", "chunk_bytes", "eager_copy_ns", "lazy_copy_ns", "lazy_first_write_ns", "lazy_vs_eager"], row.EnumerateObject().Select(p => p.Name));
            Assert.Contains(row.GetProperty("chunk_bytes").GetInt32(), new[] { 8192, 65536 });
            var ratio = row.GetProperty("lazy_vs_eager");
            Assert.Equal(["median", "q1", "q3"], ratio.EnumerateObject().Select(p => p.Name));
            Assert.True(ratio.GetProperty("q1").GetDouble() <= ratio.GetProperty("median").GetDouble());
            Assert.True(ratio.GetProperty("median").GetDouble() <= ratio.GetProperty("q3").GetDouble());
            Assert.True(row.GetProperty("eager_copy_ns").GetDouble() > 0 && row.GetProperty("lazy_copy_ns").GetDouble() > 0);
        }
        var crossover = root.GetProperty("crossover_bytes");
        Assert.Equal(["segv", "uffd", "kcow"], crossover.EnumerateObject().Select(p => p.Name));
        foreach (var c in crossover.EnumerateObject())
        {
            Assert.True(c.Value.ValueKind is JsonValueKind.Number or JsonValueKind.Null, c.Name);
            // A crossover exists exactly when lazy copying won at some swept size.
            bool won = sweep.Any(s => s.GetProperty("name").GetString() == c.Name && s.GetProperty("lazy_vs_eager").GetProperty("median").GetDouble() > 1);
            Assert.Equal(won, c.Value.ValueKind == JsonValueKind.Number);
            if (won)
                Assert.True(c.Value.GetInt64() % 4096 == 0 && c.Value.GetInt64() <= 65536);
        }
        var verdicts = root.GetProperty("verdicts").EnumerateArray().ToList();
        foreach (var v in verdicts)
            Assert.Equal(["claim", "status", "reason"], v.EnumerateObject().Select(p => p.Name));
        // Correctness: confirmed for every strategy that ran. Timing: confirmed or explained, at each size.
        var correct = verdicts.Where(v => v.GetProperty("claim").GetString()!.EndsWith("lazy copies read exactly like eager copies, before and after writes")).ToList();
        Assert.Equal(available.Count, correct.Count);
        Assert.All(correct, v => Assert.Equal("confirmed", v.GetProperty("status").GetString()));
        var timing = verdicts.Except(correct).ToList();
        Assert.Equal(available.Count * 2 * 2 + 1, timing.Count);   // two claims per size, plus the fork COW yardstick
        Assert.All(timing, v => Assert.Contains(v.GetProperty("status").GetString(), new[] { "confirmed", "explained" }));
        foreach (var v in timing.Where(v => v.GetProperty("status").GetString() == "explained"))
            Assert.Matches("[0-9]", v.GetProperty("reason").GetString());   // computed, with this run's numbers
    }

    [Fact]
    public void Human_output_compares_the_cheapest_first_write_with_the_kernels_fork_cow_fault()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var r = CliRunner.Run("lazycopy", "--strategy", "kcow", "--size", "16K", "--chunks", "8");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("fork COW fault", r.Out);
        Assert.Contains("the cheapest first write to a lazy copy costs at most 2x the kernel's fork copy-on-write fault: kcow's first write took", Flat(r.Out));
    }

    [Fact]
    public void Human_output_shows_the_sweep_a_bar_per_size_and_a_verdict_per_claim()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var r = CliRunner.Run("lazycopy", "--strategy", "segv", "--sizes", "8K,128K", "--chunks", "8");
        Assert.Equal(0, r.ExitCode);
        string flat = Flat(r.Out);   // the report wraps long lines at the terminal's width
        Assert.Contains("first write", r.Out);
        Assert.Matches(@"\n +8K +<*\|#*\n", r.Out);   // a bar per size
        Assert.Matches(@"\n +128K +<*\|#*\n", r.Out);
        Assert.Contains("cost model (this run)", flat);
        Assert.Contains("verdict: CONFIRMED - segv: lazy copies read exactly like eager copies", flat);
        Assert.Matches("verdict: (CONFIRMED|EXPLAINED [^-]*) - segv, 8 KiB: lazy copying is much faster than eager copying", flat);
        Assert.Matches("verdict: (CONFIRMED|EXPLAINED [^-]*) - segv, 128 KiB: writing to a lazy copy is slower", flat);
        Assert.DoesNotContain("FAILED", flat);
    }

    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    [Theory]
    [InlineData("--strategy", "fast")]
    [InlineData("--size", "1000")]
    [InlineData("--size", "6000")]
    [InlineData("--chunks", "0")]
    [InlineData("--size", "256M", "--chunks", "16")]
    [InlineData("--bogus")]
    [InlineData("--sizes", "64K,1000")]
    [InlineData("--sizes", "64K,,2M")]
    [InlineData("--sizes", "1G")]
    [InlineData("--size", "64K", "--sizes", "2M")]
    public void Bad_options_are_one_line_and_exit_2(params string[] args)
    {
        var r = CliRunner.Run(["lazycopy", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Help_says_what_the_chunks_default_is_instead_of_a_meaningless_zero()
    {
        var r = CliRunner.Run("lazycopy", "--help");
        Assert.Equal(0, r.ExitCode);
        string help = string.Join(' ', r.Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--chunks <N> chunks per size, 1 to 16384 [default: 32 MiB worth, 8 to 64: 64 at 64K, 16 at 2M]", help);
        Assert.DoesNotContain("[default: 0]", help);
    }
}

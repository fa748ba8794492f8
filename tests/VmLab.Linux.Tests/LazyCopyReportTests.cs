using System.Text.Json;
using System.Text.Json.Nodes;
using VmLab.Linux.LazyCopy;
using VmLab.Linux.Timing;

namespace VmLab.Linux.Tests;

/// <summary>The lazycopy JSON contract, from a synthetic sweep: no memory is copied and no clock is read.</summary>
public class LazyCopyReportTests
{
    private static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static LazyCopyMeasurement Measured(LazyCopyStrategy s, int bytes, double eager, double lazy)
    {
        Distribution D(double ns) => new(ns, ns, ns, ns, ns);
        return new LazyCopyMeasurement(s, bytes, 16, D(eager), D(lazy), D(10), D(10), D(100), D(50_000), D(1000), D(1000),
            true, true, 1600, 0, 16, 4, 4, new Spread(eager / lazy, eager / lazy * 0.8, eager / lazy * 1.2), new Spread(500, 400, 600));
    }

    [Fact]
    public void Sweep_rows_crossovers_and_verdicts_have_exactly_the_contract_keys()
    {
        var measured = new List<LazyCopyMeasurement>
        {
            Measured(LazyCopyStrategy.Segv, 65536, 100_000, 400_000), Measured(LazyCopyStrategy.Segv, 2 << 20, 3_200_000, 450_000),
            Measured(LazyCopyStrategy.Kcow, 65536, 100_000, 500_000), Measured(LazyCopyStrategy.Kcow, 2 << 20, 3_200_000, 4_000_000),
        };
        var points = measured.Select(SweepPoint.Of).ToList();
        var models = points.GroupBy(p => p.Strategy).ToDictionary(g => g.Key, g => LazyCopyJudge.Model([.. g]));
        var result = new LazyCopySweepResult(measured, new Dictionary<LazyCopyStrategy, string> { [LazyCopyStrategy.Uffd] = "needs root" },
            models, new ForkCowYardstick(LazyCopyStrategy.Kcow, 65536, 3000, 4500, new Spread(1.5, 1.4, 1.6)),
            [.. LazyCopyJudge.Judge(points, models), LazyCopyJudge.ForkCow("kcow", 4500, 3000, new Spread(1.5, 1.4, 1.6))]);
        var report = LazyCopyReport.From(result, LazyCopyStrategies.All, [65536, 2 << 20], 16);
        var json = JsonNode.Parse(JsonSerializer.Serialize(report, Snake))!.AsObject();

        var sweep = json["sweep"]!.AsArray();
        Assert.Equal(4, sweep.Count);   // one row per strategy that ran and size
        foreach (var row in sweep)
        {
            Assert.Equal(["name", "chunk_bytes", "eager_copy_ns", "lazy_copy_ns", "lazy_first_write_ns", "lazy_vs_eager"], row!.AsObject().Select(p => p.Key));
            Assert.Equal(["median", "q1", "q3"], row["lazy_vs_eager"]!.AsObject().Select(p => p.Key));
        }
        Assert.Equal(3.2 / 0.45, (double)sweep[1]!["lazy_vs_eager"]!["median"]!, 9);   // eager / lazy: 3.2 ms / 0.45 ms
        var crossover = json["crossover_bytes"]!.AsObject();
        Assert.Equal(["segv", "uffd", "kcow"], crossover.Select(p => p.Key));
        Assert.NotNull(crossover["segv"]);   // lost at 64 KiB, won at 2 MiB: in between
        Assert.InRange((long)crossover["segv"]!, 65536 + 4096, 2 << 20);
        Assert.Null(crossover["uffd"]);      // did not run
        Assert.Null(crossover["kcow"]);      // never won
        Assert.Equal(6, json["strategies"]!.AsArray().Count);   // every strategy and size, the skipped ones with their reason
        Assert.Equal("needs root", (string)json["strategies"]![2]!["unavailable"]!);
        Assert.Equal("kcow", (string)json["best_first_write"]!);
        Assert.Equal(1.5, (double)json["best_first_write_vs_fork_cow"]!, 9);

        var verdicts = json["verdicts"]!.AsArray();
        Assert.All(verdicts, v => Assert.Equal(["claim", "status", "reason"], v!.AsObject().Select(p => p.Key)));
        string Status(string claim) => (string)verdicts.Single(v => (string)v!["claim"]! == claim)!["status"]!;
        Assert.Equal("explained", Status($"segv, 64 KiB: {LazyCopyJudge.MuchFasterClaim}"));
        Assert.Equal("confirmed", Status($"segv, 2 MiB: {LazyCopyJudge.MuchFasterClaim}"));
        Assert.Equal("explained", Status($"kcow, 2 MiB: {LazyCopyJudge.MuchFasterClaim}"));
        Assert.Equal("confirmed", Status($"kcow: {LazyCopyJudge.CorrectClaim}"));
        Assert.Equal("confirmed", Status(LazyCopyJudge.ForkCowClaim));
        Assert.DoesNotContain(verdicts, v => (string)v!["status"]! == "failed");
    }
}

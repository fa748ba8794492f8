using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace VmLab.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/VmLab.Bench -- paired [rounds]`: LazyCopyVsCBench's categories timed in
/// alternating pairs (C, VmLab, C, VmLab, ... with the order swapped every round), each pair giving one ratio;
/// the report is the median ratio and its quartiles. On this noisy machine class two BenchmarkDotNet runs of one
/// method can differ by 40 %, because the methods of a category run minutes apart; adjacent pairs see the same
/// machine, so their ratio is what carries. Uses the benchmark class's own setup, iteration setups and cleanup.
/// </summary>
internal static partial class PairedRun
{
    private const int WarmupRounds = 3;

    private sealed record Side(MethodInfo Run, MethodInfo? Setup);

    public static void Run(string[] args)
    {
        int rounds = Rounds(args);
        Console.WriteLine($"VmLab / C per step, {rounds} alternating pairs after {WarmupRounds} warm-up rounds; per chunk, medians");
        Console.WriteLine($"{"step",-28} {"chunk",6} {"C",11} {"VmLab",11} {"ratio",6}  quartiles");
        foreach (int bytes in new[] { 64 * 1024, 2 * 1024 * 1024 })
        {
            var bench = new LazyCopyVsCBench { ChunkBytes = bytes };
            bench.Setup();
            try
            {
                foreach (var (category, c, vmlab) in Categories())
                    Report(category, bytes, Measure(bench, c, vmlab, rounds));
            }
            finally
            {
                bench.Cleanup();
            }
        }
        RunAgainstProcess(rounds, pinned: false);
    }

    /// <summary>The rounds asked for on the command line (default 25).</summary>
    public static int Rounds(string[] args) => args.Length > 0 && int.TryParse(args[0], out int r) && r > 0 ? r : 25;

    /// <summary>Each category's baseline (C) and other method (VmLab), with their iteration setups.</summary>
    private static IEnumerable<(string, Side, Side)> Categories()
    {
        var methods = typeof(LazyCopyVsCBench).GetMethods();
        MethodInfo? SetupFor(MethodInfo m) => methods.FirstOrDefault(s =>
            s.GetCustomAttribute<IterationSetupAttribute>() is { } a && a.Targets.Contains(m.Name));
        var marked = methods.Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null)
            .Select(m => (m, category: m.GetCustomAttribute<BenchmarkCategoryAttribute>()!.Categories[0]));
        foreach (var group in marked.GroupBy(x => x.category))
        {
            var c = group.Single(x => x.m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline).m;
            var vmlab = group.Single(x => !x.m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline).m;
            yield return (group.Key, new Side(c, SetupFor(c)), new Side(vmlab, SetupFor(vmlab)));
        }
    }

    private static (double C, double VmLab, double[] Ratios) Measure(LazyCopyVsCBench bench, Side c, Side vmlab, int rounds)
    {
        var tc = new List<double>();
        var tv = new List<double>();
        var ratios = new List<double>();
        for (int i = 0; i < WarmupRounds + rounds; i++)
        {
            bool cFirst = i % 2 == 0;
            double first = Time(bench, cFirst ? c : vmlab), second = Time(bench, cFirst ? vmlab : c);
            double dc = cFirst ? first : second, dv = cFirst ? second : first;
            if (i < WarmupRounds)
                continue;
            tc.Add(dc);
            tv.Add(dv);
            ratios.Add(dv / dc);
        }
        ratios.Sort();
        return (Median(tc), Median(tv), [.. ratios]);
    }

    /// <summary>One invocation: iteration setup, the timed batch, cleanup. Nanoseconds per chunk.</summary>
    private static double Time(LazyCopyVsCBench bench, Side side)
    {
        side.Setup?.Invoke(bench, null);
        long t0 = Stopwatch.GetTimestamp();
        side.Run.Invoke(bench, null);
        long t1 = Stopwatch.GetTimestamp();
        bench.FreeCopies();
        return (t1 - t0) * 1e9 / Stopwatch.Frequency / LazyCopyVsCBench.Batch;
    }

    private static void Report(string category, int bytes, (double C, double VmLab, double[] Ratios) m)
    {
        string size = bytes >= 1 << 20 ? $"{bytes >> 20}M" : $"{bytes >> 10}K";
        double q1 = m.Ratios[m.Ratios.Length / 4], q3 = m.Ratios[m.Ratios.Length * 3 / 4];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{category,-28} {size,6} {Us(m.C),11} {Us(m.VmLab),11} {Median(m.Ratios),6:F2}  {q1:F2}-{q3:F2}"));
    }

    private static string Us(double ns) => ns >= 1e6 ? $"{ns / 1e6:F2} ms" : $"{ns / 1e3:F1} us";

    private static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

using System.Diagnostics;
using System.Globalization;
using VmLab.Linux.Timing;

namespace VmLab.Bench;

/// <summary>
/// The lazy-copy yardstick as a separate, single-threaded C process (build/native/lazycopy-ref, from
/// native/reference/main/) beside the in-process C figure and VmLab, in one run: every round times one batch of
/// each of the three, in an order rotated every round, so VmLab / C-process and VmLab / C-in-process are
/// per-round ratios from the same moments. The process is started for every batch (after one untimed warm-up
/// batch of its own), so it pays what a C program pays, with no .NET runtime in its address space.
/// </summary>
internal static partial class PairedRun
{
    private static readonly (string Step, string Category, string Arg)[] ProcessSteps =
    [
        ("eager copy", "eager copy", "eager"),
        ("lazy copy", "lazy copy", "lazy"),
        ("split (first write)", "split", "split"),
    ];

    public static void RunAgainstProcess(int rounds)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "lazycopy-ref");
        Console.WriteLine();
        Console.WriteLine($"VmLab against the C process ({exe}), {rounds} rounds of one batch each, order rotated; per chunk, medians");
        Console.WriteLine($"{"step",-22} {"chunk",6} {"C process",11} {"C in-proc",11} {"VmLab",11}  {"VmLab/C process",-24} VmLab/C in-process");
        var categories = Categories().ToDictionary(c => c.Item1);
        foreach (int bytes in new[] { 64 * 1024, 2 * 1024 * 1024 })
        {
            var bench = new LazyCopyVsCBench { ChunkBytes = bytes };
            bench.Setup();
            try
            {
                foreach (var (step, category, arg) in ProcessSteps)
                {
                    var (_, c, vmlab) = categories[category];
                    var sides = new Func<double>[] { () => RunProcess(exe, bytes, arg), () => Time(bench, c), () => Time(bench, vmlab) };
                    var t = new List<double>[] { [], [], [] };
                    for (int r = 0; r < rounds + 1; r++)
                    {
                        var got = new double[3];
                        for (int k = 0; k < 3; k++)
                        {
                            int side = (r + k) % 3;
                            got[side] = sides[side]();
                        }
                        if (r == 0)
                            continue;   // warm-up
                        for (int k = 0; k < 3; k++)
                            t[k].Add(got[k]);
                    }
                    var process = new PairedTimings(t[2], t[0]).AOverB;
                    var inProcess = new PairedTimings(t[2], t[1]).AOverB;
                    string size = bytes >= 1 << 20 ? $"{bytes >> 20}M" : $"{bytes >> 10}K";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{step,-22} {size,6} {Us(Spread.Of(t[0]).Median),11} {Us(Spread.Of(t[1]).Median),11} {Us(Spread.Of(t[2]).Median),11}  {process.AsRatio(),-24} {inProcess.AsRatio()}"));
                }
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    /// <summary>One batch in a fresh C process: nanoseconds per chunk, as it printed them.</summary>
    private static double RunProcess(string exe, int bytes, string step)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { bytes.ToString(CultureInfo.InvariantCulture), LazyCopyVsCBench.Batch.ToString(CultureInfo.InvariantCulture), step })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out double ns))
            throw new InvalidOperationException($"{exe} {bytes} {step}: exit {p.ExitCode}: {error.Trim()}");
        return ns;
    }
}

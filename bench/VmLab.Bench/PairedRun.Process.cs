using System.Diagnostics;
using System.Globalization;
using VmLab.Linux.Timing;

namespace VmLab.Bench;

/// <summary>
/// The lazy-copy yardstick as a separate C process (build/native/lazycopy-ref, from native/reference/main/) beside
/// the in-process C figure and VmLab, in one run: every round times one batch of each side, in an order rotated
/// every round, so the ratios are per round, from the same moments. The C process runs in two forms: single-
/// threaded, as a C program is, and with one idle thread on the other CPU (it only sleeps and wakes), as a .NET
/// process always has: the difference between those two isolates what a second CPU in use by the address space
/// costs a page-table change (docs/lazy-copy.md has what it came to). Each side's batch also counts the
/// cross-CPU function-call interrupts (/proc/interrupts CAL, every CPU: TLB shootdowns land there on this
/// machine; other processes add to it, so compare sides, not absolute counts). The whole comparison runs twice:
/// unpinned, then with every thread of this process (and so the C processes it starts) pinned to one CPU.
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
        RunSides(rounds);
        using (var pin = ProcessPin.ToCurrentCpu())
        {
            Console.WriteLine();
            Console.WriteLine($"-- again with all {pin.PinnedThreads} threads of this process, and the C processes, pinned to CPU {pin.Cpu} --");
            RunSides(rounds);
        }
    }

    private static void RunSides(int rounds)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "lazycopy-ref");
        Console.WriteLine();
        Console.WriteLine($"VmLab against the C process ({exe}), {rounds} rounds of one batch of {LazyCopyVsCBench.Batch} chunks per side, order rotated; load average {LoadAverage()}");
        Console.WriteLine("per chunk, medians; ratios are medians of per-round ratios (IQR); CAL = cross-CPU call interrupts per chunk, all CPUs");
        Console.WriteLine($"{"step",-20} {"chunk",5} {"C proc",9} {"+thread",9} {"C in-pr",9} {"VmLab",9}  {"VmLab/C proc",-20} {"VmLab/C+thread",-20} {"VmLab/C in-proc",-20} CAL: C proc/+thread/in-proc/VmLab");
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
                    var sides = new Func<double>[]
                    {
                        () => RunProcess(exe, bytes, arg, idleThread: false), () => RunProcess(exe, bytes, arg, idleThread: true),
                        () => Time(bench, c), () => Time(bench, vmlab),
                    };
                    var t = new List<double>[sides.Length];
                    var cal = new List<double>[sides.Length];
                    for (int k = 0; k < sides.Length; k++)
                        (t[k], cal[k]) = ([], []);
                    for (int r = 0; r < rounds + 1; r++)
                    {
                        for (int k = 0; k < sides.Length; k++)
                        {
                            int side = (r + k) % sides.Length;
                            long cal0 = CallInterrupts();
                            double ns = sides[side]();
                            long cal1 = CallInterrupts();
                            if (r == 0)
                                continue;   // warm-up
                            t[side].Add(ns);
                            cal[side].Add((double)(cal1 - cal0) / LazyCopyVsCBench.Batch);
                        }
                    }
                    string Ratio(int baseline) => new PairedTimings(t[3], t[baseline]).AOverB.AsRatio();
                    string size = bytes >= 1 << 20 ? $"{bytes >> 20}M" : $"{bytes >> 10}K";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{step,-20} {size,5} {Us(Med(t[0])),9} {Us(Med(t[1])),9} {Us(Med(t[2])),9} {Us(Med(t[3])),9}  {Ratio(0),-20} {Ratio(1),-20} {Ratio(2),-20} {Med(cal[0]):F2}/{Med(cal[1]):F2}/{Med(cal[2]):F2}/{Med(cal[3]):F2}"));
                }
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    private static double Med(List<double> xs) => Spread.Of(xs).Median;

    /// <summary>One batch in a fresh C process: nanoseconds per chunk, as it printed them.</summary>
    private static double RunProcess(string exe, int bytes, string step, bool idleThread)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { bytes.ToString(CultureInfo.InvariantCulture), LazyCopyVsCBench.Batch.ToString(CultureInfo.InvariantCulture), step, "1" })
            psi.ArgumentList.Add(a);
        if (idleThread)
            psi.ArgumentList.Add("idle-thread");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out double ns))
            throw new InvalidOperationException($"{exe} {bytes} {step}: exit {p.ExitCode}: {error.Trim()}");
        return ns;
    }

    /// <summary>The CAL line of /proc/interrupts summed over CPUs (0 when absent).</summary>
    private static long CallInterrupts()
    {
        foreach (string line in File.ReadLines("/proc/interrupts"))
        {
            string t = line.TrimStart();
            if (!t.StartsWith("CAL:", StringComparison.Ordinal))
                continue;
            return t[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(w => w.All(char.IsAsciiDigit)).Sum(long.Parse);
        }
        return 0;
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}

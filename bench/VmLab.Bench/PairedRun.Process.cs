using System.Diagnostics;
using System.Globalization;
using VmLab.Linux;
using VmLab.Linux.Timing;

namespace VmLab.Bench;

/// <summary>
/// The lazy-copy yardstick as a separate C process (build/native/lazycopy-ref, from native/reference/main/) beside
/// the in-process C figure and VmLab, in one run: every round times one batch of each side, in an order rotated
/// every round, so the ratios are per round, from the same moments. The C process runs in two forms: as a plain
/// C program is laid out, and laid out as this process is: before its chunks it reserves as much PROT_NONE
/// address space as this .NET process holds (the GC's and the runtime's reservations), placed by the kernel
/// right below its libraries, so its chunks land where a .NET process's land. On this PVM guest that placement
/// alone moves what a 2 MiB lazy copy costs (docs/lazy-copy.md, "Where the 2 MiB gap comes from"); the two C
/// columns side by side show how much of VmLab / C process is that. Each side's batch also counts the
/// cross-CPU function-call interrupts (/proc/interrupts CAL, every CPU; other processes add to it, so compare
/// sides, not absolute counts). `paired-process N pinned` runs everything again with every thread of this
/// process (and so the C processes it starts) pinned to one CPU.
/// </summary>
internal static partial class PairedRun
{
    private static readonly (string Step, string Category, string Arg)[] ProcessSteps =
    [
        ("eager copy", "eager copy", "eager"),
        ("lazy copy", "lazy copy", "lazy"),
        ("split (first write)", "split", "split"),
    ];

    public static void RunAgainstProcess(int rounds, bool pinned)
    {
        RunSides(rounds);
        if (!pinned)
            return;
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
        long reserveMiB = ReservedMiB();
        Console.WriteLine();
        Console.WriteLine($"VmLab against the C process ({exe}), {rounds} rounds of one batch of {LazyCopyVsCBench.Batch} chunks per side, order rotated; load average {LoadAverage()}");
        Console.WriteLine($"C .NET layout = the C process after reserving {reserveMiB} MiB PROT_NONE, as much as this process holds");
        Console.WriteLine("per chunk, medians; ratios are medians of per-round ratios (IQR); CAL = cross-CPU call interrupts per chunk, all CPUs");
        Console.WriteLine($"{"step",-20} {"chunk",5} {"C proc",9} {"C .NETl",9} {"C in-pr",9} {"VmLab",9}  {"VmLab/C proc",-20} {"VmLab/C .NET layout",-20} {"VmLab/C in-proc",-20} CAL: C proc/.NET layout/in-proc/VmLab");
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
                        () => RunProcess(exe, bytes, arg, reserveMiB: 0), () => RunProcess(exe, bytes, arg, reserveMiB),
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

    /// <summary>One batch in a fresh C process (after reserving <paramref name="reserveMiB"/> MiB when not 0):
    /// nanoseconds per chunk, as it printed them.</summary>
    private static double RunProcess(string exe, int bytes, string step, long reserveMiB)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { bytes.ToString(CultureInfo.InvariantCulture), LazyCopyVsCBench.Batch.ToString(CultureInfo.InvariantCulture), step, "1" })
            psi.ArgumentList.Add(a);
        if (reserveMiB > 0)
            psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"reserve={reserveMiB}"));
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

    /// <summary>This process's PROT_NONE mappings (reservations: nothing behind them), in MiB.</summary>
    private static long ReservedMiB() =>
        (long)(ProcMaps.ReadSelf().Where(e => e.Perms.StartsWith("---", StringComparison.Ordinal))
            .Aggregate(0UL, (sum, e) => sum + (e.End - e.Start)) >> 20);

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}

using VmLab.Linux;
using VmLab.Linux.Timing;

namespace VmLab.Cli.Commands;

/// <summary>What the fault-handler experiments (idempotent, ondemand) report alike: the handler's cost beside the
/// kernel's own minor fault, and the cured faults in order, by page of the region that starts at <c>start</c>.</summary>
internal static class FaultHandlerText
{
    private const int FaultsShown = 64;

    public static void Write(Report report, string kernelLabel, double handlerNs, double kernelNs, Spread ratio, int rounds,
        string start, IReadOnlyList<string> faults)
    {
        report.Fact("handler cost per fault", $"{handlerNs:F0} ns");
        report.Fact(kernelLabel, $"{kernelNs:F0} ns/page");
        report.Fact("handler / kernel", $"{ratio.AsRatio()} per pair, {rounds} rounds in alternating order");
        report.Line();
        report.Bars("cost of one fault", [("SIGSEGV handler", handlerNs), ("kernel minor fault", kernelNs)], "ns");
        if (faults.Count == 0)
            return;
        report.Section("Faults, in order");
        ulong first = Numbers.Parse(start, "start");
        report.Table(["#", "fault address", "page", "offset in page"], faults.Take(FaultsShown).Select((a, i) =>
        {
            long off = (long)(Numbers.Parse(a, "address") - first);
            return (IReadOnlyList<string>)[(i + 1).ToString(), a, (off / PageSize.Value).ToString(), (off % PageSize.Value).ToString()];
        }));
        if (faults.Count > FaultsShown)
            report.Note($"{faults.Count - FaultsShown} more faults not shown (see --json)");
    }
}

using Spectre.Console;
using VmLab.Cli.Framework;
using VmLab.Linux.Timing;
using LinuxVerdict = VmLab.Linux.Timing.Verdict;

namespace VmLab.Cli.Commands;

/// <summary>Verdicts for people: one line each, the status first (green, yellow, red on a terminal).</summary>
internal static class VerdictLines
{
    public static void Write(Report rep, IEnumerable<LinuxVerdict> verdicts)
    {
        rep.Flush();
        rep.Line();
        foreach (var v in verdicts)
        {
            var colour = v.Status switch
            {
                VerdictStatus.Confirmed => Color.Green,
                VerdictStatus.Explained => Color.Yellow,
                _ => Color.Red,
            };
            rep.Write(new Paragraph().Append("verdict: ").Append(Status(v.Status), new Style(colour, decoration: Decoration.Bold))
                .Append($" - {v.Claim}: {v.Reason}\n"));
        }
    }

    /// <summary>True when no verdict failed (an explained timing still holds).</summary>
    public static bool Hold(IEnumerable<LinuxVerdict> verdicts) => LinuxVerdict.ExitCode(verdicts) == 0;

    public static string Status(VerdictStatus s) => s switch
    {
        VerdictStatus.Confirmed => "CONFIRMED",
        VerdictStatus.Explained => "EXPLAINED (timing, depends on the machine)",
        _ => "FAILED",
    };

    /// <summary>A ratio as a bar around a centre mark at 1x: '#' to the right (the claim's side), '<' to the
    /// left, <paramref name="perDoubling"/> characters per factor of two, at most <paramref name="half"/> per side.</summary>
    public static string Bar(double ratio, int half = 20, int perDoubling = 3)
    {
        int n = ratio > 0 ? (int)Math.Round(Math.Log2(ratio) * perDoubling) : -half;
        n = Math.Clamp(n, -half, half);
        return n >= 0
            ? new string(' ', half) + "|" + new string('#', n)
            : new string(' ', half + n) + new string('<', -n) + "|";
    }
}

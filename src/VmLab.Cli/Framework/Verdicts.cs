using System.Text.Json.Nodes;

namespace VmLab.Cli.Framework;

/// <summary>One claim an experiment makes and how it came out: confirmed, explained (a machine-dependent timing
/// that did not hold here, with the computed reason) or failed (a correctness check).</summary>
internal sealed record Verdict(string Claim, string Status, string? Reason);

/// <summary>The verdict contract shared by the experiments and the tour.</summary>
internal static class Verdicts
{
    public const string Confirmed = "confirmed", Explained = "explained", Failed = "failed";

    /// <summary>A step's verdicts: the "verdicts" array of its JSON when present; otherwise one verdict derived
    /// from its exit code (0 confirmed, anything else failed).</summary>
    public static IReadOnlyList<Verdict> Of(JsonNode? result, int exitCode, string error)
    {
        if (result is JsonObject o && o["verdicts"] is JsonArray list && list.Count > 0)
            return [.. list.Select(v => new Verdict(
                (string?)v?["claim"] ?? "(no claim)",
                (string?)v?["status"] is { } s && s is Confirmed or Explained or Failed ? s : Failed,
                (string?)v?["reason"]))];
        string claim = (string?)result?["verdict"] ?? (exitCode == 0 ? "ran and confirmed what it set out to show" : "did not confirm");
        string? reason = exitCode == 0 ? null : error.Trim() is { Length: > 0 } e ? e : $"exit status {exitCode}";
        return [new Verdict(claim, exitCode == 0 ? Confirmed : Failed, reason)];
    }

    public static string Worst(IEnumerable<Verdict> verdicts)
    {
        var statuses = verdicts.Select(v => v.Status).ToList();
        return statuses.Contains(Failed) ? Failed : statuses.Contains(Explained) ? Explained : Confirmed;
    }
}

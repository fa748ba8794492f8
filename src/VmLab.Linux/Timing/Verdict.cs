using System.Text.Json.Serialization;

namespace VmLab.Linux.Timing;

/// <summary>How a claim fared in this run. In JSON always "confirmed", "explained" or "failed", whatever the
/// serializer's options (the tour and scripts read it).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerdictStatus>))]
public enum VerdictStatus
{
    /// <summary>What was measured shows the claim.</summary>
    [JsonStringEnumMemberName("confirmed")]
    Confirmed,

    /// <summary>A timing claim that depends on the machine and did not hold here; the reason, computed from the
    /// run, says why. Not an error.</summary>
    [JsonStringEnumMemberName("explained")]
    Explained,

    /// <summary>A correctness check failed: the mechanism is broken.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>One claim of an experiment, its status and the reason computed from the run.</summary>
public sealed record Verdict(string Claim, VerdictStatus Status, string Reason)
{
    /// <summary>A correctness check: confirmed or failed.</summary>
    public static Verdict Check(string claim, bool holds, string reason) =>
        new(claim, holds ? VerdictStatus.Confirmed : VerdictStatus.Failed, reason);

    /// <summary>A timing claim on a machine whose speeds vary: confirmed or explained, never failed.</summary>
    public static Verdict Timing(string claim, bool holds, string reason) =>
        new(claim, holds ? VerdictStatus.Confirmed : VerdictStatus.Explained, reason);

    /// <summary>1 when any verdict failed (a correctness check), else 0: timings never change the exit status.</summary>
    public static int ExitCode(IEnumerable<Verdict> verdicts) =>
        verdicts.Any(v => v.Status == VerdictStatus.Failed) ? 1 : 0;
}

using System.Globalization;

namespace VmLab.Cli.Framework;

/// <summary>Number syntax shared by every verb: decimal, 0x hex, and K/M/G sizes.</summary>
internal static class Numbers
{
    /// <summary>Parses "4096", "0x1000" or "0X1F000"; the error names <paramref name="what"/> and the token.</summary>
    public static ulong Parse(string token, string what)
    {
        string t = token.Trim().Replace("_", "", StringComparison.Ordinal);
        bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || t.Length == 0)
            throw new UsageException($"{what}: '{Clip(token)}' is not a number (use decimal or 0x hex, at most 0xffffffffffffffff)");
        return v;
    }

    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30),
    ];

    /// <summary>Parses "65536", "64K", "64KiB", "2M", "1G".</summary>
    public static long ParseSize(string token, string what)
    {
        string t = token.Trim();
        long mult = 1;
        string upper = t.ToUpperInvariant();
        foreach (var (suffix, m) in Suffixes)
        {
            if (upper.EndsWith(suffix, StringComparison.Ordinal) && !upper.StartsWith("0X", StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                mult = m;
                break;
            }
        }
        ulong n;
        try { n = Parse(t, what); }
        catch (UsageException) { throw new UsageException($"{what}: '{Clip(token)}' is not a size (use bytes, or K/M/G: 64K, 2M)"); }
        if (n > (ulong)(long.MaxValue / mult))
            throw new UsageException($"{what}: '{Clip(token)}' is too large");
        return (long)n * mult;
    }

    /// <summary>"64 KiB", "2 MiB", "4096 B".</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>A user's token, escaped and cut short so one error line stays one short line.</summary>
    public static string Clip(string token) => Shown.Token(token);
}

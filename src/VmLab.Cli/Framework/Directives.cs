using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Cli.Framework;

/// <summary>System.CommandLine's [suggest:N] directive (what the completion scripts call) takes N as given: a
/// negative N or one past int's range ended in an exception. The directive is checked here first.</summary>
internal static partial class Directives
{
    [GeneratedRegex(@"^\[suggest(:(?<n>[^\]]*))?\]$")]
    private static partial Regex Suggest();

    /// <summary>A one-line problem with a leading [suggest:N], or null when there is none or it is fine.</summary>
    public static string? Problem(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || !args[0].StartsWith("[suggest", StringComparison.Ordinal))
            return null;
        var m = Suggest().Match(args[0]);
        if (!m.Success)
            return $"'{Numbers.Clip(args[0])}' is not a directive (use [suggest:N] \"LINE\")";
        if (!m.Groups["n"].Success)
            return null;
        int line = args.Skip(1).Sum(a => a.Length + 1);
        string n = m.Groups["n"].Value;
        return int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int at) && at <= Math.Max(line - 1, 0)
            ? null
            : $"[suggest:N]: N is a cursor position in the line, 0 to {Math.Max(line - 1, 0)} (got '{Numbers.Clip(n)}')";
    }
}

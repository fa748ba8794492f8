using System.Text.RegularExpressions;

namespace VmLab.Labs.Build;

/// <summary>
/// The preprocessor directives a friendly-segfault library may write, read before gcc runs: includes of system
/// headers by plain name only (no path of its own, no "..", no macro that expands to one), and no line markers,
/// #line or #embed. A line marker makes gcc treat what follows as a system header (so dependency lists leave out
/// what it includes) and makes gcc -E's own markers lie about which file a line came from; an absolute include
/// reads any file the compiler can. Lines are read as the preprocessor reads them: backslash-newlines spliced,
/// comments gone, '%:' as '#'.
/// </summary>
internal static partial class CDirectives
{
    /// <summary>What is wrong with the source's directives, or null.</summary>
    public static string? Problem(string source)
    {
        string text = Comments().Replace(source.Replace("\\\r\n", "").Replace("\\\n", ""), m =>
            m.Value.StartsWith('"') || m.Value.StartsWith('\'') ? m.Value : m.Value.Contains('\n') ? new string('\n', m.Value.Count(ch => ch == '\n')) : " ");
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (Directive().Match(line) is not { Success: true } d) continue;
            string name = d.Groups["name"].Value, rest = d.Groups["rest"].Value.Trim();
            if (name.Length > 0 && char.IsAsciiDigit(name[0]) || name == "line")
                return $"line {number}: a line marker (#{name}) tells gcc another file is being read: the grader reads {CBuild.Source} as it is";
            if (name is "embed")
                return $"line {number}: #embed reads a file into the library: {CBuild.Source} may include system headers only";
            if (name is "include" or "include_next" or "import")
            {
                if (HeaderName().Match(rest) is not { Success: true } h)
                    return $"line {number}: {CBuild.Source} includes {Clip(rest)}, a macro: include system headers by name (#include <signal.h>)";
                string header = h.Groups["h"].Value;
                if (header.StartsWith('/') || header.Split('/').Contains("..") || !PlainPath().IsMatch(header))
                    return $"line {number}: {CBuild.Source} includes {Clip(rest)}: the grader builds {CBuild.Source} alone, with system headers only (by name, no path of its own)";
            }
        }
        return null;
    }

    private static string Clip(string s) => Grading.Grader.Printable(s.Length > 60 ? s[..60] + "…" : s);

    // Block and line comments (outside string and character literals, which are matched to be kept).
    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*|""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])*'", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"^\s*(?:#|%:)\s*(?<name>[A-Za-z_][A-Za-z0-9_]*|\d+)(?<rest>.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^(?:<(?<h>[^>]*)>|""(?<h>[^""]*)"")\s*$")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"^[A-Za-z0-9_+./-]+$")]
    private static partial Regex PlainPath();
}

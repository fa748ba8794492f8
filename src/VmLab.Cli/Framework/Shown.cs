using System.Text;
using VmLab.Sim.Text;

namespace VmLab.Cli.Framework;

/// <summary>
/// Text that came from input (a token, a file name, a symbol, a program's output), made safe to print by the one
/// rule every layer uses (<see cref="Printable"/>), and an error line as one line of at most
/// <see cref="MaxErrorBytes"/> bytes.
/// </summary>
internal static class Shown
{
    /// <summary>The longest stderr line vmlab writes, in UTF-8 bytes (so in characters too).</summary>
    public const int MaxErrorBytes = 200;

    /// <summary>How much of one echoed token an error line shows.</summary>
    public const int TokenChars = 40;

    /// <summary><paramref name="text"/> with every control or formatting character escaped, newlines included.</summary>
    public static string Escape(string text) => Printable.Line(text);

    /// <summary>The same, but newlines and tabs kept: for multi-line text a report lays out (a program's output).</summary>
    public static string EscapeKeepingLines(string text) => Printable.Lines(text);

    /// <summary>A user's token for an error message: escaped, and cut after <see cref="TokenChars"/> characters.</summary>
    public static string Token(string token)
    {
        string shown = Escape(token.Length > 4 * TokenChars ? token[..(4 * TokenChars)] : token);
        return shown.Length > TokenChars || token.Length > 4 * TokenChars ? CutAt(shown, TokenChars) + "…" : shown;
    }

    /// <summary>"PATH: message" as one line: a library's multi-line message folded, everything escaped, and the
    /// whole clipped to <see cref="MaxErrorBytes"/> bytes with "…" where it was cut.</summary>
    public static string ErrorLine(string path, string message)
    {
        string folded = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        string line = Escape($"{path}: {folded}");
        if (Encoding.UTF8.GetByteCount(line) <= MaxErrorBytes)
            return line;
        const string more = "…";
        int budget = MaxErrorBytes - Encoding.UTF8.GetByteCount(more), used = 0, at = 0;
        while (at < line.Length)
        {
            int width = char.IsSurrogatePair(line, at) ? 2 : 1;
            int bytes = Encoding.UTF8.GetByteCount(line.AsSpan(at, width));
            if (used + bytes > budget) break;
            used += bytes;
            at += width;
        }
        return line[..at] + more;
    }

    /// <summary>Writes <see cref="ErrorLine"/> to <paramref name="error"/>: the one way vmlab reports a failure.</summary>
    public static void Error(TextWriter error, string path, string message) => error.WriteLine(ErrorLine(path, message));

    private static string CutAt(string text, int chars) =>
        chars < text.Length && char.IsHighSurrogate(text[chars - 1]) ? text[..(chars - 1)] : text[..Math.Min(chars, text.Length)];
}

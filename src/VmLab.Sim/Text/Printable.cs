using System.Globalization;
using System.Text;

namespace VmLab.Sim.Text;

/// <summary>
/// Text that came from outside (a file name, a symbol in an ELF file, a program's output, gcc's diagnostics, a
/// student's exception message) made safe to print. Every layer that prints such text uses this one rule, so a
/// name shows the same in a report, an error line, a grade and the web server's log: control characters that would
/// move the cursor, set a window title, clear the screen or forge a line of their own (C0, DEL, C1 with the 8-bit
/// CSI), formatting characters (the bidi overrides that reorder a line), line and paragraph separators and halves of
/// a broken surrogate pair are written as escapes: \e, \n, \r, \t, \xNN below U+0100, \u{NNNN} above.
/// </summary>
public static class Printable
{
    /// <summary>One line: newlines and tabs are escaped too.</summary>
    public static string Line(string text) => Escape(text, keepLines: false);

    /// <summary>Text a report lays out over several lines (a program's output, a compiler's messages): newlines and
    /// tabs are kept, everything else as <see cref="Line"/>.</summary>
    public static string Lines(string text) => Escape(text, keepLines: true);

    private static string Escape(string text, bool keepLines)
    {
        int first = 0;
        while (first < text.Length && !NeedsEscape(text, first, keepLines)) first++;
        if (first == text.Length)
            return text;        // the common case allocates nothing
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsSurrogatePair(text, i))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            if (!NeedsEscape(text, i, keepLines)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\e' => @"\e",
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                < '\u0100' => $"\\x{(int)c:x2}",
                _ => $"\\u{{{(int)c:x4}}}",
            });
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(string text, int i, bool keepLines)
    {
        char c = text[i];
        if (keepLines && c is '\n' or '\t')
            return false;
        if (char.IsHighSurrogate(c))
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        if (char.IsLowSurrogate(c))
            return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        return char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}

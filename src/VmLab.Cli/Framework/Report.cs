namespace VmLab.Cli.Framework;

/// <summary>
/// The people-facing output of an experiment, always in the same order: what it shows, what was observed,
/// and a verdict derived from the observation.
/// </summary>
internal sealed class Report
{
    private const int Width = 100;
    private readonly TextWriter w;

    public Report(TextWriter output) => w = new BlankTracker(output);

    public void Title(string title)
    {
        w.WriteLine(title);
        w.WriteLine(new string('=', Math.Min(title.Length, Width)));
    }

    /// <summary>A paragraph, wrapped.</summary>
    public void Explain(string text)
    {
        foreach (string line in Wrap(text, Width))
            w.WriteLine(line);
        w.WriteLine();
    }

    /// <summary>A heading, capitalised the same way by every verb, after exactly one blank line.</summary>
    public void Section(string name)
    {
        if (name.Length > 0)
            name = char.ToUpperInvariant(name[0]) + name[1..];
        if (!((BlankTracker)w).AtBlankLine)
            w.WriteLine();
        w.WriteLine(name);
        w.WriteLine(new string('-', name.Length));
    }

    /// <summary>One observed fact: "  label .......... value".</summary>
    public void Fact(string label, object? value) =>
        w.WriteLine($"  {label.PadRight(34, ' ')} {value}");

    /// <summary>A note the reader should not miss (privileges, limits).</summary>
    public void Note(string text)
    {
        foreach (string line in Wrap("note: " + text, Width))
            w.WriteLine("  " + line);
    }

    public void Line(string text = "") => w.WriteLine(text);

    /// <summary>A column-aligned table; numeric-looking cells are right-aligned.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        int[] widths = new int[headers.Count];
        foreach (var r in all)
            for (int i = 0; i < r.Count && i < widths.Length; i++)
                widths[i] = Math.Max(widths[i], r[i].Length);
        for (int ri = 0; ri < all.Count; ri++)
        {
            var r = all[ri];
            var cells = r.Select((c, i) => IsNumeric(c) && ri > 0 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
            w.WriteLine("  " + string.Join("  ", cells).TrimEnd());
            if (ri == 0)
                w.WriteLine("  " + string.Join("  ", widths.Select(x => new string('-', x))));
        }
    }

    /// <summary>The verdict line, computed by the caller from what was measured.</summary>
    public void Verdict(bool holds, string text)
    {
        w.WriteLine();
        w.WriteLine($"verdict: {(holds ? "CONFIRMED" : "NOT CONFIRMED")} - {text}");
    }

    private static bool IsNumeric(string s) =>
        s.Length > 0 && (char.IsDigit(s[0]) || (s[0] == '-' && s.Length > 1 && char.IsDigit(s[1])));

    internal static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (string para in text.Split('\n'))
        {
            var line = new System.Text.StringBuilder();
            foreach (string word in para.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
            }
            yield return line.ToString();
        }
    }

    /// <summary>Remembers whether the last line written was empty, so headings never stack blank lines.</summary>
    private sealed class BlankTracker(TextWriter inner) : TextWriter
    {
        private int _newlinesInARow = 2;

        public bool AtBlankLine => _newlinesInARow >= 2;

        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            _newlinesInARow = value == '\n' ? _newlinesInARow + 1 : value == '\r' ? _newlinesInARow : 0;
            inner.Write(value);
        }

        public override void Write(string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            int trailing = value.Length - value.TrimEnd('\n', '\r').Length;
            int newlines = value.AsSpan(value.Length - trailing).Count('\n');
            _newlinesInARow = trailing == value.Length ? _newlinesInARow + newlines : newlines;
            inner.Write(value);
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write(Environment.NewLine);
        }

        public override void WriteLine() => Write(Environment.NewLine);

        public override void Flush() => inner.Flush();
    }
}

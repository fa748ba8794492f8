using Spectre.Console;
using Spectre.Console.Rendering;

namespace VmLab.Cli.Framework;

/// <summary>
/// The people-facing output of an experiment, always in the same order: what it shows, what was observed, and a
/// verdict derived from the observation. Drawn with Spectre.Console to the console's width (80 columns when not a
/// terminal); consecutive facts are laid out as one two-column block whose values wrap under themselves.
/// </summary>
internal sealed class Report(IAnsiConsole console)
{
    private static readonly Style Heading = new(decoration: Decoration.Bold);
    private static readonly Style HeaderStyle = new(decoration: Decoration.Bold | Decoration.Underline);
    private readonly List<(string Label, string Value)> _facts = [];
    private bool _blank = true;

    /// <summary>The verdicts stated so far, for the tour.</summary>
    public List<Verdict> Verdicts { get; } = [];

    public void Title(string title)
    {
        Write(TitleRule(Safe(title), console.Profile.Width, console.Profile.Capabilities.Unicode));
        _blank = false;
    }

    private static readonly Style TitleStyle = new(Color.Blue);

    /// <summary>
    /// The title as a blue rule, left-justified ("── title ───…"). A title of one line of printable ASCII that fits
    /// the width with the rule's padding cannot be truncated, so it is drawn as one line laid out as the rule lays
    /// it out, byte for byte what the <see cref="Rule"/> draws (a test compares the two): the rule's first render
    /// (its title parsed as markup, measured and fitted) costs ~3 ms of start-up. Anything else is still a Rule.
    /// </summary>
    internal static IRenderable TitleRule(string title, int width, bool unicode, bool asRule = false)
    {
        // the rule trims its title and puts "── " before it and " " plus at least two "─" after it
        string shown = title.Trim(' ');
        if (!asRule && unicode && OnePrintableLine(shown) && shown.Length + 6 <= width)
            return new LaidOutLine($"── {shown} {new string('─', width - shown.Length - 4)}", TitleStyle);
        return new Rule(Markup.Escape(title)) { Justification = Justify.Left, Style = TitleStyle };
    }

    /// <summary>One line already laid out to the width, in one style. (As <see cref="Text"/> it would go through
    /// Spectre's word splitting, whose search for the rule's "─" JIT-compiles seven more methods.)</summary>
    private sealed class LaidOutLine(string line, Style style) : Renderable
    {
        protected override Measurement Measure(RenderOptions options, int maxWidth) => new(line.Length, line.Length);

        protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            [new Segment(line, style), Segment.LineBreak];
    }

    /// <summary>How every experiment starts: what it shows, then the heading of what was observed.</summary>
    public void Intro(string title, string explanation)
    {
        Title(title);
        Explain(explanation);
        Section("Observed");
    }

    /// <summary>A paragraph, wrapped to the width, followed by a blank line.</summary>
    public void Explain(string text)
    {
        Write(new Text(One(text) + "\n"));
        console.WriteLine();
        _blank = true;
    }

    /// <summary>A heading, capitalised the same way by every verb, after exactly one blank line.</summary>
    public void Section(string name)
    {
        if (name.Length > 0)
            name = char.ToUpperInvariant(name[0]) + name[1..];
        Flush();
        if (!_blank)
            console.WriteLine();
        Write(new Text($"{name}\n{new string('-', Math.Min(name.Length, console.Profile.Width))}\n", Heading));
        _blank = false;
    }

    /// <summary>One observed fact; consecutive facts share one aligned block.</summary>
    public void Fact(string label, object? value) => _facts.Add((One(label), One(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "")));

    /// <summary>A note the reader should not miss (privileges, limits).</summary>
    public void Note(string text) =>
        Write(new Padder(new Paragraph().Append("note: ", new Style(Color.Yellow)).Append(One(text)), new Padding(2, 0, 0, 0)));

    /// <summary>A line as given (listings, traces); wrapped only when wider than the console.</summary>
    public void Line(string text = "")
    {
        if (text.Length == 0)
        {
            Flush();
            console.WriteLine();
            _blank = true;
            return;
        }
        Write(new Text(Safe(text) + "\n"));
    }

    /// <summary>The most of a console <see cref="Printed"/> shows (a page or so of text; the kernel keeps 1 MiB).</summary>
    public const int PrintedChars = 16 * 1024;

    /// <summary>What a simulated machine's programs printed, as "  | line" lines: at most maxLines lines and
    /// <see cref="PrintedChars"/> characters (a program may print 1 MiB in one line), then a note of what was left
    /// out (--json has it all).</summary>
    public void Printed(string printed, int maxLines)
    {
        if (printed.Length == 0)
        {
            Line("  (nothing printed)");
            return;
        }
        var lines = printed.TrimEnd('\n').Split('\n');
        int budget = PrintedChars, shown = 0;
        bool cut = false;
        while (shown < lines.Length && shown < maxLines && budget > 0)
        {
            string line = lines[shown++];
            cut = line.Length > budget;
            Line("  | " + (cut ? line[..budget] + " …" : line));
            budget -= Math.Min(line.Length, budget);
        }
        if (cut || shown < lines.Length)
            Note(cut || budget == 0 ? $"console cut at {PrintedChars:N0} characters of {printed.Length:N0} (see --json)"
                : $"{lines.Length - shown} more console lines (see --json)");
    }

    /// <summary>Text drawn by someone else (the memory viewer): with colour codes written through unchanged, plain
    /// text wrapped to the width like any other line.</summary>
    public void Raw(string text)
    {
        Flush();
        if (!text.Contains('\e'))
            text = string.Join('\n', text.Split('\n').SelectMany(line => Wrap.Hanging(line, console.Profile.Width)));
        console.Profile.Out.Writer.Write(text);
        console.Profile.Out.Writer.Flush();
        _blank = text.EndsWith("\n\n", StringComparison.Ordinal);
    }

    /// <summary>A table that fits the width; numeric columns are right-aligned.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var table = new Table().Border(TableBorder.None);
        for (int i = 0; i < headers.Count; i++)
        {
            var column = new TableColumn(new Text(headers[i], HeaderStyle)).Padding(0, 0, 2, 0);
            if (all.Count > 0 && all.All(r => i < r.Count && (IsNumeric(r[i]) || r[i] is "-" or "")))
                column.RightAligned();
            // Numbers and addresses never break; text columns give way (wrap) when the table is too wide.
            if (all.Count > 0 && all.All(r => i >= r.Count || (r[i].Length <= 18 && !r[i].Contains(' '))))
                column.NoWrap();
            table.AddColumn(column);
        }
        foreach (var r in all)
            table.AddRow(r.Select(c => (IRenderable)new Text(Safe(c))).ToArray());
        Write(new Padder(table, new Padding(2, 0, 0, 1)));
    }

    /// <summary>Labelled values as horizontal bars (a distribution, a comparison).</summary>
    public void Bars(string title, IEnumerable<(string Label, double Value)> items, string unit)
    {
        var chart = new BarChart().Width(Math.Min(console.Profile.Width - 2, 72)).Label(Markup.Escape(title)).LeftAlignLabel();
        chart.ValueFormatter = (v, c) => $"{v.ToString("0.##", c)} {unit}";
        foreach (var (label, value) in items)
            chart.AddItem(Markup.Escape(Safe(label)), value, Color.Blue);
        Write(new Padder(chart, new Padding(2, 0, 0, 0)));
    }

    /// <summary>Any Spectre renderable (trees, grids).</summary>
    public void Write(IRenderable renderable)
    {
        if (renderable is not Grid || _facts.Count == 0)
            Flush();
        console.Write(renderable);
        _blank = false;
    }

    /// <summary>The verdict line, computed by the caller from what was measured.</summary>
    public void Verdict(bool holds, string text)
    {
        Verdicts.Add(new Verdict(text, holds ? Framework.Verdicts.Confirmed : Framework.Verdicts.Failed, null));
        Flush();
        console.WriteLine();
        Write(new Paragraph().Append("verdict: ")
            .Append(holds ? "CONFIRMED" : "NOT CONFIRMED", new Style(holds ? Color.Green : Color.Red, decoration: Decoration.Bold))
            .Append(" - " + One(text) + "\n"));
    }

    /// <summary>The verdict line, worded <paramref name="confirmed"/> or <paramref name="refuted"/>.</summary>
    public void Verdict(bool holds, string confirmed, string refuted) => Verdict(holds, holds ? confirmed : refuted);

    /// <summary>An answer computed from the input: shown as the answer, not as a check that could fail.</summary>
    public void Answer(string text)
    {
        Flush();
        console.WriteLine();
        Write(new Paragraph().Append("answer: ", new Style(Color.Blue, decoration: Decoration.Bold)).Append(Safe(text) + "\n"));
    }

    /// <summary>Writes pending facts as one block.</summary>
    public void Flush()
    {
        if (_facts.Count == 0)
            return;
        var block = FactsBlock(_facts, console.Profile.Width);
        _facts.Clear();
        console.Write(block);
        _blank = false;
    }

    /// <summary>
    /// Facts as one block: a grid of labels (2 columns in, 2 after the longest) and values that wrap under
    /// themselves. When every label and value is one line of printable ASCII and the block fits the width, no
    /// wrapping can happen and the block is drawn as text laid out here, byte for byte what the grid draws (a test
    /// compares the two): Spectre's table layout costs ~11 ms the first time it runs, a sixth of a run's start-up.
    /// </summary>
    internal static IRenderable FactsBlock(IReadOnlyList<(string Label, string Value)> facts, int width, bool asGrid = false)
    {
        int labels = 0, values = 0;
        bool plain = !asGrid;
        foreach (var (label, value) in facts)
        {
            plain &= OnePrintableLine(label) && OnePrintableLine(value);
            labels = Math.Max(labels, label.Length);
            values = Math.Max(values, value.Length);
        }
        if (plain && 2 + labels + 2 + values <= width)
        {
            var text = new System.Text.StringBuilder();
            foreach (var (label, value) in facts)
                text.Append("  ").Append(label.PadRight(labels)).Append("  ").Append(value.PadRight(values)).Append('\n');
            return new Text(text.ToString());
        }
        var grid = new Grid();
        grid.AddColumn(new GridColumn().PadLeft(2).PadRight(2));
        grid.AddColumn(new GridColumn().PadRight(0));
        foreach (var (label, value) in facts)
            grid.AddRow(new Text(label), new Text(value));
        return grid;
    }

    private static bool OnePrintableLine(string s)
    {
        if (s.Length == 0)
            return false;
        foreach (char c in s)
            if (c is < ' ' or > '~')
                return false;
        return true;
    }

    /// <summary>Whatever a verb hands the report may hold input (a symbol name, a program's output): control
    /// characters are shown as escapes, never sent to the terminal.</summary>
    private static string Safe(string text) => Shown.EscapeKeepingLines(text);

    // Prose, facts, notes and verdicts are one paragraph or one line each: a newline in them can only have come from
    // input (a file name), and kept it would start a line of the input's making ("verdict: CONFIRMED ...").
    private static string One(string text) => Shown.Escape(text);

    private static bool IsNumeric(string s) =>
        s.Length > 0 && (char.IsDigit(s[0]) || (s[0] == '-' && s.Length > 1 && char.IsDigit(s[1])));
}

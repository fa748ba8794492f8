using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace VmLab.Cli.Framework;

/// <summary>
/// Runs the command tree: System.CommandLine parses, helps, completes ([suggest]) and prints --version; this class
/// only adds the project's rules on top: a parse error is one stderr line with typo suggestions and exit 2, help
/// ends with each verb's details and examples, and the output writers are the caller's (tests run in-process).
/// </summary>
internal static class Runner
{
    /// <param name="observe">given (by the tour), every result the verb emits is handed to it too</param>
    public static int Run(RootCommand root, IReadOnlyList<string> args, TextWriter output, TextWriter error,
        Action<object, IReadOnlyList<Verdict>>? observe = null) => Run(_ => root, args, output, error, observe);

    /// <param name="build">builds the command tree for the command line (as help rewrites it)</param>
    public static int Run(Func<IReadOnlyList<string>, RootCommand> build, IReadOnlyList<string> args, TextWriter output,
        TextWriter error, Action<object, IReadOnlyList<Verdict>>? observe = null) =>
        Run(build, args, () => output, () => error, observe);

    /// <param name="outputOf">the output writer, asked for once the command tree is built (creating Console.Out takes
    /// ~5 ms, which the warm-up thread spends meanwhile)</param>
    public static int Run(Func<IReadOnlyList<string>, RootCommand> build, IReadOnlyList<string> args, Func<TextWriter> outputOf,
        Func<TextWriter> errorOf, Action<object, IReadOnlyList<Verdict>>? observe = null)
    {
        // "vmlab" alone and "vmlab help VERB…" are help, as people expect.
        if (args.Count == 0)
            args = ["--help"];
        else if (args[0] == "help")
            args = [.. args.Skip(1), "--help"];
        var root = build(args);
        TextWriter output = outputOf(), error = errorOf();

        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction inner)
        {
            inner.MaxWidth = Terminal.Width(output);
            help.Action = new DetailedHelp(inner);
        }
        NameArguments(root);
        if (Directives.Problem(args) is { } problem)
        {
            Shown.Error(error, "vmlab", problem);
            return ExitCode.Usage;
        }
        int dashes = args.ToList().IndexOf("--");
        Opt.AfterDoubleDash = dashes < 0 ? null : [.. args.Skip(dashes + 1)];
        var parse = root.Parse(args, Parsing);
        var config = observe is null ? new InvocationConfiguration() : new ObservedRun(observe);
        (config.Output, config.Error, config.EnableDefaultExceptionHandler) = (output, error, false);
        // Help clears parse errors, but "vmlab help bogus" or "vmlab bogus --help" names no command: say so.
        if (parse.Action is not ParseErrorAction && parse.UnmatchedTokens.Count > 0)
            parse = root.Parse([.. args.Where(a => !HelpTokens.Contains(a))], Parsing);
        if (parse.Action is ParseErrorAction)
        {
            Shown.Error(error, Verb.PathOf(parse.CommandResult.Command), ParseErrors.Describe(parse));
            return ExitCode.Usage;
        }
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception e)
        {
            return ExitCode.Report(e, Verb.PathOf(parse.CommandResult.Command), error);
        }
    }

    /// <summary>Response files are off: vmlab has no use for them, and "@FILE" would read any file (a FIFO, a
    /// device, /etc/passwd) before a word of the command line is checked. "@x" is an ordinary token.</summary>
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    private static readonly string[] HelpTokens = ["--help", "-h", "-?", "/?", "/h"];

    /// <summary>
    /// Help shows every argument by its name (&lt;KIND&gt;), never by its completion values. A command's row in its
    /// parent's Commands list carries its arguments, and System.CommandLine sizes the first column by the longest
    /// row (up to half the width): one argument drawn as &lt;alignment|errorcode|maze|paging|walk&gt; squeezed
    /// every description of 'vmlab --help' into 38 columns. The values are in the argument's description.
    /// </summary>
    private static void NameArguments(Command command)
    {
        foreach (var a in command.Arguments)
            a.HelpName ??= a.Name;
        foreach (var c in command.Subcommands)
            NameArguments(c);
    }

    /// <summary>System.CommandLine's help, then the verb's details and examples (every verb has some).</summary>
    private sealed class DetailedHelp(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parse)
        {
            var command = parse.CommandResult.Command;
            var o = parse.InvocationConfiguration.Output;
            int width = inner.MaxWidth;
            inner.Invoke(parse);
            if (command is Verb v)
            {
                Section(o, "Details:", Wrap.Block(v.Details, width - 2));
                Section(o, "JSON:", v.Json is null ? [] : Wrap.Json(v.Json, width - 2));
                Section(o, "Examples:", v.Examples);
            }
            return 0;
        }

        public override bool ClearsParseErrors => true;

        private static void Section(TextWriter o, string title, IEnumerable<string> lines)
        {
            var list = lines.ToList();
            if (list.All(l => l.Length == 0))
                return;
            o.WriteLine(title);
            foreach (string line in list)
                o.WriteLine(line.Length == 0 ? "" : "  " + line);
            o.WriteLine();
        }
    }
}

/// <summary>Word wrapping for help text: paragraphs are re-flowed, indented lines (legends, lists) kept.</summary>
internal static class Wrap
{
    /// <summary>Joins each paragraph's source lines (a line not indented continues the one before it, unless that
    /// one was indented or blank) and lets Spectre wrap the result to <paramref name="width"/>.</summary>
    public static IEnumerable<string> Block(string text, int width)
    {
        var lines = new List<string>();
        foreach (string line in text.ReplaceLineEndings("\n").Trim('\n').Split('\n'))
        {
            if (line.Length > 0 && line[0] != ' ' && lines.Count > 0 && lines[^1] is [not ' ', ..])
                lines[^1] += " " + line;
            else
                lines.Add(line.TrimEnd());
        }
        var output = new StringWriter();
        var console = Terminal.For(output);
        console.Profile.Width = width;
        console.Write(new Spectre.Console.Text(string.Join('\n', lines) + "\n"));
        console.Profile.Out.Writer.Flush();
        return output.ToString().TrimEnd('\n').Split('\n');
    }

    /// <summary>JSON key lists break after commas and spaces, never inside a key.</summary>
    public static IEnumerable<string> Json(string text, int width)
    {
        var line = new System.Text.StringBuilder();
        foreach (System.Text.RegularExpressions.Match piece in System.Text.RegularExpressions.Regex.Matches(text, "[^, ]*(, ?| |$)"))
        {
            if (piece.Length == 0) continue;
            if (line.Length > 0 && line.Length + piece.Value.TrimEnd().Length > width)
            {
                yield return line.ToString().TrimEnd();
                line.Clear();
            }
            line.Append(piece.Value);
        }
        if (line.Length > 0) yield return line.ToString().TrimEnd();
    }

    /// <summary>A line no wider than <paramref name="width"/>: a longer one breaks at its last space that fits and
    /// goes on under its own indent, two further in (the spacing inside each piece is kept).</summary>
    public static IEnumerable<string> Hanging(string line, int width)
    {
        string indent = new(' ', line.Length - line.TrimStart(' ').Length + 2);
        for (int cut; line.Length > width && (cut = line.LastIndexOf(' ', width)) > indent.Length; line = indent + line[cut..].TrimStart())
            yield return line[..cut].TrimEnd();
        yield return line;
    }
}

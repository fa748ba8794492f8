using System.CommandLine;
using System.CommandLine.Parsing;
using Spectre.Console;

namespace VmLab.Cli.Framework;

/// <summary>What a verb's action gets: its parsed values, where to write, and the output mode.</summary>
internal sealed class Ctx(ParseResult parse, Verb verb)
{
    private Report? _report;

    public ParseResult Parse => parse;

    /// <summary>"vmlab sim walk", for messages.</summary>
    public string Path { get; } = Verb.PathOf(verb);

    public TextWriter Out => parse.InvocationConfiguration.Output;

    public TextWriter Err => parse.InvocationConfiguration.Error;

    /// <summary>True when --json was given: exactly one JSON object on stdout and nothing else there.</summary>
    public bool Json => verb.JsonOption is { } j && parse.GetValue(j);

    public T Get<T>(Option<T> option) => parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => parse.GetValue(argument)!;

    /// <summary>The value of the option or argument called <paramref name="name"/> ("--bytes", "START").</summary>
    public T Get<T>(string name) => parse.GetValue<T>(name)!;

    /// <summary>True when the user typed the option called <paramref name="name"/>.</summary>
    public bool Given(string name) => parse.GetResult(name) is OptionResult { Implicit: false };

    /// <summary>True when the user typed the option (not just its default).</summary>
    public bool Given(Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>True when stdout is a terminal a person watches (colour, progress); false in pipes, files, tests.</summary>
    public bool Interactive => Terminal.IsTerminal(Out);

    /// <summary>The people-facing report on stdout (one per run).</summary>
    public Report Report() => _report ??= new Report(Terminal.For(Out));

    /// <summary>Prints one JSON object (snake_case keys) on stdout.</summary>
    public void WriteJson(object value) => JsonOutput.Write(Out, value);

    /// <summary>The usual ending of a verb: the JSON object with --json, otherwise the report drawn by
    /// <paramref name="render"/>; exit 0 when the verdict holds, 1 when it does not.</summary>
    public int Emit(object json, bool holds, Action<Report> render)
    {
        // An observer (the tour) gets the verdicts too; with --json they come from a report drawn to nowhere.
        var observer = parse.InvocationConfiguration as ObservedRun;
        var report = !Json ? Report() : observer is null ? null : new Report(Terminal.Nowhere());
        if (report is not null)
            render(report);
        if (Json)
            WriteJson(json);
        Flush();
        observer?.Observe(json, report?.Verdicts ?? []);
        return holds ? ExitCode.Ok : ExitCode.NotConfirmed;
    }

    /// <summary>Writes anything the report still holds (facts are laid out as a block).</summary>
    public void Flush() => _report?.Flush();

    /// <summary>Shows a spinner with <paramref name="status"/> while <paramref name="work"/> runs, on a terminal
    /// only: in a pipe, a file or with --json nothing extra is printed.</summary>
    public T Progress<T>(string status, Func<T> work)
    {
        if (Json || !Interactive)
            return work();
        return Terminal.For(Out).Status().Start(status, _ => work());
    }
}

/// <summary>A run whose verb hands its result object, with the verdicts its report states, to
/// <paramref name="observe"/>, whatever the output mode (the tour reads each step's verdicts this way).</summary>
internal sealed class ObservedRun(Action<object, IReadOnlyList<Verdict>> observe) : InvocationConfiguration
{
    public void Observe(object result, IReadOnlyList<Verdict> verdicts) => observe(result, verdicts);
}

/// <summary>How output is drawn: colour only on a terminal without NO_COLOR; 80 columns when not a terminal.</summary>
internal static class Terminal
{
    public static bool IsTerminal(TextWriter w) => ReferenceEquals(w, Console.Out) && !Console.IsOutputRedirected;

    public static bool Colour(TextWriter w) =>
        IsTerminal(w) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>A console that draws nothing: a report run only for its verdicts.</summary>
    /// <param name="ansi">styles as escape codes (written to nowhere too): without them Spectre sets colours through
    /// System.Console, which writes to stdout when that is a terminal</param>
    public static IAnsiConsole Nowhere(bool ansi = false) => For(TextWriter.Null, ansi);

    public static int Width(TextWriter w) => IsTerminal(w) && Console.WindowWidth > 20 ? Console.WindowWidth : 80;

    public static IAnsiConsole For(TextWriter w) => For(w, ansi: false);

    private static IAnsiConsole For(TextWriter w, bool ansi)
    {
        Warmup.Wait();
        bool colour = Colour(w), terminal = IsTerminal(w);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Detect : ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(terminal ? w : new TrimmingWriter(w)),
            EnvironmentVariables = Variables(),
        });
        console.Profile.Width = Width(w);
        // Spectre asks the console for its height on every write; off a terminal .NET answers that by loading and
        // parsing the terminfo database (10-15 ms of start-up). Nothing drawn here uses the height.
        if (!terminal)
            console.Profile.Height = 24;
        return console;
    }

    /// <summary>
    /// The environment as Spectre reads it at every console's creation to recognise a CI service (names compared
    /// without regard to case, the first of two names that differ only in case kept). Left to Spectre, it is read
    /// through LINQ's Cast over the runtime's Hashtable: six generic methods the JIT compiled at every start.
    /// </summary>
    private static Dictionary<string, string> Variables()
    {
        var variables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            variables.TryAdd((string)e.Key, e.Value as string ?? string.Empty);
        return variables;
    }

    /// <summary>Drops the spaces Spectre pads lines with, so piped output has no trailing blanks.</summary>
    private sealed class TrimmingWriter(TextWriter inner) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                inner.Write(_line.ToString().TrimEnd(' '));
                inner.Write('\n');
                _line.Clear();
            }
            else
                _line.Append(value);
        }

        public override void Flush()
        {
            inner.Write(_line.ToString());
            _line.Clear();
            inner.Flush();
        }
    }
}

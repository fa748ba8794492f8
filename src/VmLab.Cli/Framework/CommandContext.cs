namespace VmLab.Cli.Framework;

/// <summary>What a verb gets: its arguments, where to write, and the output mode.</summary>
internal sealed class CommandContext
{
    public CommandContext(string path, ArgReader args, TextWriter output, TextWriter error)
    {
        Path = path;
        Args = args;
        Out = output;
        Err = error;
    }

    /// <summary>The full verb path for messages, e.g. "vmlab sim walk".</summary>
    public string Path { get; }

    public ArgReader Args { get; }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    /// <summary>True when --json was given: print exactly one JSON object on stdout and nothing else there.</summary>
    public bool Json => Args.Flag("--json");

    /// <summary>A people-facing report on stdout.</summary>
    public Report Report() => new(Out);

    /// <summary>Prints one JSON object (snake_case keys) on stdout.</summary>
    public void WriteJson(object value) => JsonOutput.Write(Out, value);
}

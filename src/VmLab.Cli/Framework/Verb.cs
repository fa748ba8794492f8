using System.CommandLine;

namespace VmLab.Cli.Framework;

/// <summary>
/// One verb (or group of verbs) of <c>vmlab</c>: a System.CommandLine command with a one-line summary, details and
/// examples for --help, a --json option when the verb has a JSON contract, and an action whose failures all end
/// as one stderr line with the documented exit code.
/// </summary>
internal sealed class Verb : Command
{
    /// <param name="json">what --json prints (its keys), or null for a verb without JSON output</param>
    public Verb(string name, string summary, string details = "", string? json = null, params string[] examples)
        : base(name, summary)
    {
        Details = details;
        Examples = examples;
        Json = json;
        if (json is not null)
        {
            JsonOption = new Option<bool>("--json") { Description = "print one JSON object on stdout instead (keys: see JSON below)" };
            Add(JsonOption);
        }
    }

    public string Details { get; }

    public IReadOnlyList<string> Examples { get; }

    /// <summary>What --json prints, for the help.</summary>
    public string? Json { get; }

    public Option<bool>? JsonOption { get; }

    /// <summary>True for experiments on the real Linux kernel: elsewhere they stop with one line, exit 1.</summary>
    public bool Linux { get; init; }

    /// <summary>How <c>vmlab tour</c> runs this verb, or null to leave it out of the tour.</summary>
    public TourStep? Tour { get; init; }

    /// <summary>Further tour steps of this verb, run right after <see cref="Tour"/> (each with its own setup).</summary>
    public IReadOnlyList<TourStep> MoreTours { get; init; } = [];

    /// <summary>Adds options and arguments; returns this verb for chaining.</summary>
    public Verb Takes(params Symbol[] symbols)
    {
        foreach (var s in symbols)
        {
            switch (s)
            {
                case Option o: Add(o); break;
                case Argument a: Add(a); break;
                case Command c: Add(c); break;
            }
        }
        return this;
    }

    /// <summary>The verb's action. Returns the exit code (0 the verdict holds, 1 it does not or the machine
    /// refused); thrown failures become one stderr line (see <see cref="ExitCode.Report"/>).</summary>
    public Verb Does(Func<Ctx, int> action)
    {
        SetAction(pr =>
        {
            var ctx = new Ctx(pr, this);
            try
            {
                if (Linux)
                    VmLab.Linux.Platform.RequireLinux(ctx.Path);
                return action(ctx);
            }
            catch (Exception e)
            {
                ctx.Flush();
                return ExitCode.Report(e, ctx.Path, ctx.Err);
            }
        });
        return this;
    }

    /// <summary>The usual action: <paramref name="run"/> computes the result (the --json object); people see it drawn
    /// by <paramref name="render"/>; exit 0 when <paramref name="holds"/> says the verdict holds, 1 when not.</summary>
    public Verb Reports<T>(Func<Ctx, T> run, Func<T, bool> holds, Action<Report, T> render) where T : notnull =>
        Does(ctx =>
        {
            var r = run(ctx);
            return ctx.Emit(r, holds(r), rep => render(rep, r));
        });

    /// <summary>"vmlab sim walk": the verb as the user typed it.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault())
            names.Add(c is RootCommand ? "vmlab" : c.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}

/// <summary>A verb's place in the tour: why it is worth seeing, and the arguments it runs with there.</summary>
internal sealed record TourStep(string Narrative, params string[] Args)
{
    /// <summary>Makes what the step needs (a workspace, say) and returns the arguments naming it, and how to remove it
    /// afterwards; null when the step needs nothing.</summary>
    public Func<(string[] Args, Action Cleanup)>? Prepare { get; init; }
}

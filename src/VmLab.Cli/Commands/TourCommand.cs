using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab tour</c>: every experiment that has a tour step, in order, each with its narrative, and a
/// summary of every step's verdicts at the end.</summary>
internal static class TourCommand
{
    public static Verb Create()
    {
        var only = Opt.Text("--only", "run only these steps (comma-separated verb paths, e.g. anon,cow or \"sim walk\")", "NAMES");
        return new Verb("tour", "run every experiment, one after another, with a short narrative and a summary",
            """
            Runs every experiment VmLab has, in the order a course would take them: first the real Linux kernel
            (anonymous memory, copy-on-write, fork, demand paging, shared files, threads), then the simulated machine.
            Each step says what it is about to show and then shows it; the tour ends with a table of every step and
            its verdicts. A verdict is confirmed, explained (a machine-dependent timing claim that did not hold here,
            with the reason computed from the run) or failed; only a failed one makes the tour exit 1.
            """,
            """{"steps":[{"command","exit_code","verdicts":[{"claim","status","reason"}],"status","result","error"}],"confirmed","explained","failed"} (counts of steps by their worst verdict)""",
            "vmlab tour", "vmlab tour --only anon,cow", "vmlab tour --only \"sim walk\" --json")
            .Takes(only).Does(ctx => Run(ctx, ctx.Get(only)));
    }

    private static int Run(Ctx ctx, string? only)
    {
        var root = Program.Build();     // every verb: the tour runs them all, whatever this command line built
        var all = Steps(root, "").ToList();
        var steps = all;
        if (only is not null)
        {
            var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => all.All(s => s.Path != n)).ToList();
            if (names.Length == 0 || unknown.Count > 0)
                throw new UsageException($"--only: no tour step '{Numbers.Clip(unknown.FirstOrDefault() ?? only)}' (steps: {string.Join(", ", all.Select(s => s.Path))})");
            steps = all.Where(s => names.Contains(s.Path)).ToList();
        }

        var results = new List<TourResult>();
        for (int i = 0; i < steps.Count; i++)
        {
            var (path, step) = steps[i];
            var (extra, cleanup) = step.Prepare?.Invoke() ?? ([], () => { });
            try
            {
                RunStep(ctx, path, step, extra, i, steps.Count, results);
            }
            finally
            {
                cleanup();
            }
        }

        var summary = new TourSummary(results,
            results.Count(r => Verdicts.Worst(r.Verdicts) == Verdicts.Confirmed),
            results.Count(r => Verdicts.Worst(r.Verdicts) == Verdicts.Explained),
            results.Count(r => Verdicts.Worst(r.Verdicts) == Verdicts.Failed));
        if (ctx.Json)
            ctx.WriteJson(summary);
        else
            WriteSummary(ctx, summary, root);
        return summary.Failed == 0 ? ExitCode.Ok : ExitCode.NotConfirmed;
    }

    private static void RunStep(Ctx ctx, string path, TourStep step, string[] extra, int i, int count, List<TourResult> results)
    {
        string command = $"vmlab {path} {string.Join(' ', [.. step.Args, .. extra])}".TrimEnd();
        string[] args = [.. path.Split(' '), .. step.Args, .. extra];
        if (!ctx.Json)
        {
            var rep = ctx.Report();
            rep.Line();
            rep.Write(new Rule(Markup.Escape($"Step {i + 1} of {count}: {command}")) { Justification = Justify.Left, Style = new Style(Color.Yellow) });
            rep.Line();
            rep.Note(step.Narrative);
            rep.Line();
            ctx.Flush();
        }
        // One run per step: with --json its object is the result; for a person the step draws its report and
        // hands the same object to the tour on the side, so the verdicts come from the run that was shown.
        var output = new StringWriter();
        var error = new StringWriter();
        JsonNode? result = null;
        IReadOnlyList<Verdict> stated = [];
        void Observe(object o, IReadOnlyList<Verdict> v) => (result, stated) = (JsonOutput.ToNode(o), v);
        int code = ctx.Json
            ? Runner.Run(Program.Build, [.. args, "--json"], output, error, Observe)
            : Runner.Run(Program.Build, args, ctx.Out, new Tee(ctx.Err, error), Observe);
        result ??= Parse(output.ToString());
        results.Add(new TourResult(command, code, Verdicts.Of(result, stated, code, error.ToString()), result, error.ToString().Trim()));
    }

    private static void WriteSummary(Ctx ctx, TourSummary s, RootCommand root)
    {
        var rep = ctx.Report();
        rep.Line();
        rep.Write(new Rule("Summary") { Justification = Justify.Left, Style = new Style(Color.Yellow) });
        var table = new Table().Border(TableBorder.Simple).AddColumn("step").AddColumn("verdict").AddColumn("claim");
        foreach (var r in s.Steps)
        {
            foreach (var (v, i) in r.Verdicts.Select((v, i) => (v, i)))
            {
                var colour = v.Status == Verdicts.Confirmed ? Color.Green : v.Status == Verdicts.Explained ? Color.Yellow : Color.Red;
                table.AddRow(new Text(i == 0 ? r.Command : ""), new Text(v.Status, new Style(colour)),
                    new Text(v.Reason is { Length: > 0 } reason && v.Status != Verdicts.Confirmed ? $"{v.Claim}: {reason}" : v.Claim));
            }
        }
        rep.Write(table);
        rep.Line(s.Failed == 0
            ? $"Tour complete: {s.Steps.Count} steps, {s.Confirmed} confirmed" + (s.Explained > 0 ? $", {s.Explained} explained (a timing that depends on this machine; see the reasons)." : ".")
            : $"Tour complete: {s.Steps.Count} steps, {s.Failed} failed (see above), {s.Confirmed} confirmed, {s.Explained} explained.");
        if (root.Subcommands.Any(c => c.Name == "web"))
        {
            rep.Line("Next: 'vmlab web' shows the simulated machine in your browser: its page tables, frames and processes.");
            rep.Line("Your own kernel: 'vmlab lab init DIR', write a seam (DIR/Fork.cs), then 'vmlab sim run fork --workspace DIR' or 'vmlab web --workspace DIR'.");
        }
        else
            rep.Line("Next: 'vmlab --help' lists every experiment; each has --help with examples and --json.");
        ctx.Flush();
    }

    /// <summary>Writes to both writers: the person sees a step's errors, the summary quotes them.</summary>
    private sealed class Tee(TextWriter a, TextWriter b) : TextWriter
    {
        public override System.Text.Encoding Encoding => a.Encoding;

        public override void Write(char value)
        {
            a.Write(value);
            b.Write(value);
        }
    }

    private static JsonNode? Parse(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Every verb with a tour step, depth first, in the order of the command tree.</summary>
    internal static IEnumerable<(string Path, TourStep Step)> Steps(Command command, string prefix)
    {
        foreach (var c in command.Subcommands)
        {
            string path = prefix + c.Name;
            if (c is Verb { Tour: { } step } verb)
            {
                yield return (path, step);
                foreach (var more in verb.MoreTours) yield return (path, more);
            }
            foreach (var inner in Steps(c, path + " "))
                yield return inner;
        }
    }

    private sealed record TourResult(string Command, int ExitCode, IReadOnlyList<Verdict> Verdicts, JsonNode? Result, string Error)
    {
        public string Status => Framework.Verdicts.Worst(Verdicts);
    }

    private sealed record TourSummary(IReadOnlyList<TourResult> Steps, int Confirmed, int Explained, int Failed);
}

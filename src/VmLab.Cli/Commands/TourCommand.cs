using VmLab.Cli.Framework;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab tour</c>: every experiment that has a tour step, in order, each with its narrative.</summary>
internal sealed class TourCommand(Func<IReadOnlyList<ICommand>> commands) : ICommand
{
    public string Name => "tour";

    public string Summary => "run every experiment, one after another, with a short narrative";

    public string Help => """
        usage: vmlab tour [--only NAME[,NAME…]] [--json]

        Runs every experiment VmLab has, in the order a course would take them: first the real Linux kernel
        (anonymous memory, copy-on-write, fork, demand paging, shared files, threads), then the simulated x86-64
        machine. Each step says what it is about to show and then shows it.

          --only NAMES   run only these steps (comma-separated verb paths, e.g. anon,cow or "sim walk")
          --json         one JSON object: {"steps":[{"command","exit_code","result"}], "failed"}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var only = ctx.Args.Option("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        ctx.Args.End();

        var steps = Flatten(commands(), "").Where(s => only is null || only.Contains(s.Path)).ToList();
        if (only is not null && steps.Count == 0)
            throw new UsageException($"--only matched no tour step (steps: {string.Join(", ", Flatten(commands(), "").Select(s => s.Path))})");

        var results = new List<object>();
        int failed = 0, n = 0;
        foreach (var (path, command, step) in steps)
        {
            n++;
            var args = step.Args.ToList();
            if (json)
            {
                var output = new StringWriter();
                var error = new StringWriter();
                int code = Dispatcher.Invoke(command, "vmlab " + path, [.. args, "--json"], output, error);
                failed += code == 0 ? 0 : 1;
                results.Add(new TourResult($"vmlab {path} {string.Join(' ', args)}".TrimEnd(), code, ParseOrNull(output.ToString()), error.ToString().Trim()));
                continue;
            }
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"### Step {n} of {steps.Count}: vmlab {path} {string.Join(' ', args)}".TrimEnd());
            ctx.Out.WriteLine();
            foreach (string line in Report.Wrap(step.Narrative, 100))
                ctx.Out.WriteLine("  " + line);
            ctx.Out.WriteLine();
            int rc = Dispatcher.Invoke(command, "vmlab " + path, args, ctx.Out, ctx.Err);
            if (rc != 0)
            {
                failed++;
                ctx.Out.WriteLine($"(step exited with status {rc})");
            }
        }
        if (json)
        {
            ctx.WriteJson(new { Steps = results, Failed = failed });
        }
        else
        {
            ctx.Out.WriteLine();
            ctx.Out.WriteLine(failed == 0
                ? $"Tour complete: {steps.Count} steps, all ran and confirmed what they set out to show."
                : $"Tour complete: {steps.Count} steps, {failed} did not confirm or did not run (see above).");
            ctx.Out.WriteLine("Next: 'vmlab web' shows the simulated machine in a browser: step any scenario, click any page and read its walk.");
        }
        return failed == 0 ? 0 : 1;
    }

    private sealed record TourResult(string Command, int ExitCode, System.Text.Json.Nodes.JsonNode? Result, string Error);

    private static System.Text.Json.Nodes.JsonNode? ParseOrNull(string text)
    {
        try { return System.Text.Json.Nodes.JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private static IEnumerable<(string Path, ICommand Command, TourStep Step)> Flatten(IEnumerable<ICommand> list, string prefix)
    {
        foreach (var c in list)
        {
            string path = prefix + c.Name;
            if (c is CommandGroup g)
            {
                foreach (var inner in Flatten(g.Children, path + " "))
                    yield return (inner.Path, inner.Command, inner.Step);
            }
            else if (c.Tour is { } step)
            {
                yield return (path, c, step);
            }
        }
    }
}

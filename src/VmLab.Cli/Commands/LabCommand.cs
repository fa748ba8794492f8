using VmLab.Cli.Framework;
using VmLab.Labs;
using VmLab.Labs.Grading;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab lab</c>: student workspaces for the kernel exercises, and their xv6-style grader.</summary>
internal static class LabCommand
{
    public static CommandGroup Create() => new(
        "lab",
        "lab workspaces for the kernel exercises (C1, E1-E4, F1, G1, H2) and their autograder",
        """
        vmlab lab - hand out the seed 003 kernel exercises. 'lab init DIR' writes a C# project of stubs that
        builds against this vmlab's simulator; 'lab grade DIR' builds it, plugs each function into the teaching
        kernel in place of the reference, and runs the graded tests, each in its own process with a time limit.
        """,
        new ListVerb(), new InitVerb(), new GradeVerb(), new RunTestVerb());

    private sealed class ListVerb : ICommand
    {
        public string Name => "list";
        public string Summary => "the exercises: handout part, what to write, points";
        public string Help => """
            usage: vmlab lab list [--json]

              --json   {"exercises":[{"name","seed","part","points","language"}]}
            """;

        public int Run(CommandContext ctx)
        {
            bool json = ctx.Json;
            ctx.Args.End();
            if (json)
            {
                ctx.WriteJson(new { Exercises = Catalog.Exercises.Select(e => new { e.Name, e.Seed, e.Part, e.Points, e.Language }) });
                return 0;
            }
            ctx.Out.WriteLine($"{"name",-16} {"handout",-12} {"points",6}  what you write");
            foreach (var e in Catalog.Exercises)
                ctx.Out.WriteLine($"{e.Name,-16} {$"seed {e.Seed} {e.Part}",-12} {e.Points,6}  {e.Summary}");
            ctx.Out.WriteLine($"{Catalog.Exercises.Count} exercises, {Catalog.Exercises.Sum(e => e.Points)} points. Start with 'vmlab lab init DIR'.");
            return 0;
        }
    }

    private sealed class InitVerb : ICommand
    {
        public string Name => "init";
        public string Summary => "write a student workspace: stubs, a project that builds offline, a README";
        public string Help => """
            usage: vmlab lab init DIR [--exercises NAME,NAME...]

            Writes DIR/Lab.csproj (referencing this vmlab's VmLab.Sim.dll), one stub file per exercise (signature,
            the handout's contract, "not implemented yet") and DIR/README.md. Refuses a DIR that already holds a lab.
              --exercises   a comma-separated subset of 'vmlab lab list' (default: all)
            """;

        public int Run(CommandContext ctx)
        {
            string? names = ctx.Args.Option("--exercises");
            string dir = ctx.Args.Positional() ?? throw new UsageException("give the directory for the workspace");
            ctx.Args.End();
            IReadOnlyList<string> files;
            try
            {
                files = Workspace.Init(dir, Workspace.Parse(names is null ? [] : [names]));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            ctx.Out.WriteLine($"lab workspace in {dir}: {string.Join(", ", files)}");
            ctx.Out.WriteLine($"next: fill in the stubs, then 'vmlab lab grade {dir}'");
            return 0;
        }
    }

    private sealed class GradeVerb : ICommand
    {
        public string Name => "grade";
        public string Summary => "build a workspace and run its graded tests (Score: x/y); --reference grades the built-in kernel";
        public string Help => """
            usage: vmlab lab grade DIR [FILTER] [--json] [--timeout SECONDS]
                   vmlab lab grade --reference [FILTER] [--json]

            Builds DIR, then runs each graded test in a child process: "name: OK (0.3s)" or "name: FAIL" with
            the reason, then Score: x/y. FILTER keeps tests whose name contains it (or an exercise name).
            A failing test's trace is saved as DIR/.vmlab/TEST.trace. Exit status 0 only with full marks.
              --reference   grade the tool's own kernel through the same path (an installation check)
              --timeout S   time limit per test (default 30)
              --json        {"score","max_score","tests":[{"name","exercise","points","passed","reason","seconds"}]}
            """;

        public int Run(CommandContext ctx)
        {
            bool json = ctx.Json, reference = ctx.Args.Flag("--reference");
            long timeout = ctx.Args.Int("--timeout", 30, 1, 3600);
            var positionals = ctx.Args.Positionals();
            ctx.Args.End();
            string? dir = reference ? null : positionals.FirstOrDefault() ?? throw new UsageException("give the workspace directory (or --reference)");
            if (positionals.Count > (reference ? 1 : 2)) throw new UsageException($"unexpected argument '{positionals[^1]}'");
            string? filter = positionals.Skip(reference ? 0 : 1).FirstOrDefault();
            if (filter is not null && !Catalog.Tests.Any(t => t.Name.Contains(filter, StringComparison.Ordinal) || t.Exercise == filter))
                throw new UsageException($"no test matches '{filter}' (see 'vmlab lab list')");
            GradeReport report;
            try
            {
                var options = new GradeOptions { Workspace = dir, Filter = filter, TestTimeout = TimeSpan.FromSeconds(timeout) };
                report = Grader.Grade(options, json ? null : r => Grader.WriteLine(ctx.Out, r));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            if (json)
                ctx.WriteJson(new { report.Score, report.MaxScore, report.Tests });
            else
            {
                if (report.BuildError is { } error) ctx.Out.WriteLine($"build failed: {error}");
                ctx.Out.WriteLine($"Score: {report.Score}/{report.MaxScore}");
            }
            return report.FullMarks ? 0 : 1;
        }
    }

    /// <summary>The grader's child: one test in a fresh process, its outcome as one JSON line.</summary>
    private sealed class RunTestVerb : ICommand
    {
        public string Name => "run-test";
        public string Summary => "(used by lab grade) run one graded test in this process";
        public string Help => """
            usage: vmlab lab run-test --test NAME [--assembly PATH [--type CLASS]]

            The grader starts this once per test. Prints {"passed","reason","trace"} on one line.
            """;

        public int Run(CommandContext ctx)
        {
            string test = ctx.Args.Option("--test") ?? throw new UsageException("give --test NAME");
            string? assembly = ctx.Args.Option("--assembly"), type = ctx.Args.Option("--type");
            ctx.Args.End();
            return Grader.RunChild(test, assembly, type, ctx.Out);
        }
    }
}

using VmLab.Cli.Framework;
using VmLab.Labs;
using VmLab.Labs.Grading;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab lab</c>: student workspaces for the kernel exercises, and their xv6-style grader.</summary>
internal static class LabCommand
{
    public static Verb Create() => new Verb("lab",
        "lab workspaces for the coding exercises (003 C1, E1-E4, F1, G1, H2; 001 A, B) and their autograder",
        """
        Hands out the seed 003 kernel exercises and seed 001's friendly segfaults (C) and lazy copy (C#, on this
        machine's real memory). 'lab init DIR' writes a project of stubs that builds against this vmlab's libraries;
        'lab grade DIR' builds it, plugs each function in place of the reference, and runs the graded tests, each in
        its own process with a time limit. See docs/labs.md.
        """,
        null,
        "vmlab lab list", "vmlab lab init ~/lab1", "vmlab lab grade ~/lab1", "vmlab lab grade --reference")
        .Takes(List(), Init(), Grade(), RunTest());

    private static Verb List() => new Verb("list", "the exercises: handout part, what to write, points", "",
        """{"exercises":[{"name","seed","part","points","language"}]}""", "vmlab lab list", "vmlab lab list --json")
        .Does(ctx =>
        {
            if (ctx.Json)
            {
                ctx.WriteJson(new { Exercises = Catalog.Exercises.Select(e => new { e.Name, e.Seed, e.Part, e.Points, e.Language }) });
                return ExitCode.Ok;
            }
            ctx.Out.WriteLine($"{"name",-16} {"handout",-12} {"points",6}  what you write");
            foreach (var e in Catalog.Exercises)
                ctx.Out.WriteLine($"{e.Name,-16} {$"seed {e.Seed} {e.Part}",-12} {e.Points,6}  {e.Summary}");
            ctx.Out.WriteLine($"{Catalog.Exercises.Count} exercises, {Catalog.Exercises.Sum(e => e.Points)} points. Start with 'vmlab lab init DIR'.");
            return ExitCode.Ok;
        });

    private static Verb Init()
    {
        var dirArg = Opt.Positional("DIR", "the directory for the workspace");
        var exercises = Opt.Text("--exercises", "a comma-separated subset of 'vmlab lab list' (default: all)", "NAME,NAME");
        var force = Opt.Flag("--force", "write into a directory that is not empty, replacing files of the workspace's names");
        return new Verb("init", "write a student workspace: stubs, a project that builds offline, a README",
            """
            Writes DIR/Lab.csproj (referencing this vmlab's VmLab.Sim.dll and VmLab.Linux.dll), one stub file per
            exercise (signature, the handout's contract, "not implemented yet") and DIR/README.md. DIR must be new or
            empty (exit status 2 otherwise, nothing written): --force writes into a non-empty DIR, replacing only files
            with the workspace's names. A DIR that already holds a lab is refused even then, and so is /.
            """,
            null, "vmlab lab init ~/lab1", "vmlab lab init ~/lab1 --exercises fork,exit")
            .Takes(dirArg, exercises, force).Does(ctx =>
            {
                string dir = ctx.Get(dirArg) ?? throw new UsageException("give the directory for the workspace");
                string? names = ctx.Get(exercises);
                if (names is not null && names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0)
                    throw new UsageException("--exercises names no exercise (see 'vmlab lab list'; leave it out for all)");
                IReadOnlyList<string> files;
                try
                {
                    files = Workspace.Init(dir, Workspace.Parse(names is null ? [] : [names]), ctx.Get(force));
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                int width = Terminal.Width(ctx.Out);
                foreach (string line in Wrap.Hanging($"lab workspace in {Shown.Escape(dir)}: {string.Join(", ", files)}", width))
                    ctx.Out.WriteLine(line);
                ctx.Out.WriteLine($"next: fill in the stubs, then 'vmlab lab grade {Shown.Escape(dir)}'");
                return ExitCode.Ok;
            });
    }

    private static Verb Grade()
    {
        var args = Opt.Positionals("DIR", "the workspace (not with --reference), then an optional test-name filter");
        var reference = Opt.Flag("--reference", "grade the tool's own kernel through the same path (an installation check)");
        var timeout = Opt.Int("--timeout", "time limit per test in seconds (the C exercise's: three times that)", 60, 1, 3600);
        return new Verb("grade", "build a workspace and run its graded tests (Score: x/y); --reference grades the built-in kernel",
            """
            Builds DIR, then runs each graded test in a child process: "name: OK (0.3s)" or "name: FAIL" with the reason,
            then Score: x/y. FILTER keeps tests whose name contains it (or an exercise name). A failing test's trace is
            saved as DIR/.vmlab/TEST.trace. Exit status 0 only with full marks.
            """,
            """{"score","max_score","tests":[{"name","exercise","points","passed","reason","seconds"}]}""",
            "vmlab lab grade ~/lab1", "vmlab lab grade ~/lab1 fork", "vmlab lab grade --reference --json")
            .Takes(args, reference, timeout).Does(ctx =>
            {
                bool json = ctx.Json, refMode = ctx.Get(reference);
                var positionals = ctx.Get(args) ?? [];
                string? dir = refMode ? null : positionals.FirstOrDefault() ?? throw new UsageException("give the workspace directory (or --reference)");
                if (positionals.Length > (refMode ? 1 : 2)) throw new UsageException($"unexpected argument '{positionals[^1]}'");
                string? filter = positionals.Skip(refMode ? 0 : 1).FirstOrDefault();
                if (filter is not null && !Catalog.Tests.Any(t => t.Name.Contains(filter, StringComparison.Ordinal) || t.Exercise == filter))
                    throw new UsageException($"no test matches '{filter}' (see 'vmlab lab list')");
                GradeReport report;
                try
                {
                    var options = new GradeOptions { Workspace = dir, Filter = filter, TestTimeout = TimeSpan.FromSeconds(ctx.Get(timeout)) };
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
                return report.FullMarks ? ExitCode.Ok : ExitCode.NotConfirmed;
            });
    }

    /// <summary>The grader's child: one test in a fresh process, its outcome as one JSON line. Hidden from help.</summary>
    private static Verb RunTest()
    {
        var test = Opt.Text("--test", "the graded test to run", "NAME");
        var assembly = Opt.Text("--assembly", "the built student assembly (none: the reference)", "PATH");
        var type = Opt.Text("--type", "the class to use when the assembly holds several", "CLASS");
        var library = Opt.Text("--library", "the built libetsbefriends.so (the C exercise; none: the tool's)", "PATH");
        return new Verb("run-test", "(used by lab grade) run one graded test in this process",
            "The grader starts this once per test. Prints {\"passed\",\"reason\",\"trace\"} on one line.", null,
            "vmlab lab run-test --test fork_isolation") { Hidden = true }
            .Takes(test, assembly, type, library).Does(ctx =>
                Grader.RunChild(ctx.Get(test) ?? throw new UsageException("give --test NAME"), ctx.Get(assembly), ctx.Get(type), ctx.Get(library), ctx.Out));
    }
}

using VmLab.Cli.Framework;
using VmLab.Labs;
using VmLab.Labs.Grading;
using VmLab.Linux;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab lab</c>: student workspaces for the kernel exercises, and their xv6-style grader.</summary>
internal static class LabCommand
{
    public static Verb Create() => new Verb("lab",
        "lab workspaces for the coding exercises (003 C1, E1-E4, F1, G1, H2; 001 A, B) and their autograder",
        """
        Hands out the seed 003 kernel exercises and seed 001's friendly segfaults (C) and lazy copy (C#, on this
        machine's real memory). 'lab init DIR' writes a project of stubs that builds against this vmlab's libraries;
        'lab grade DIR' builds its exercise files in a project of the grader's own, plugs each function in place of the
        reference, and runs the graded tests, each in a sandboxed process of its own with limits. 'lab gradescope'
        writes an autograder bundle for Gradescope. See docs/labs.md.
        """,
        null,
        "vmlab lab list", "vmlab lab init ~/lab1", "vmlab lab grade ~/lab1", "vmlab lab grade --reference", "vmlab lab gradescope -o autograder")
        .Takes(List(), Init(), Grade(), Gradescope(), RunTest(), RunSeams());

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
        var args = Opt.Positionals("DIR", "the workspace (not with --reference), then an optional test or exercise name");
        var reference = Opt.Flag("--reference", "grade the tool's own kernel through the same path (an installation check)");
        var timeout = Opt.Int("--timeout", "time limit per test in seconds (the C exercise's: three times that)", 60, 1, 3600);
        var exercises = Opt.Text("--exercises", "grade exactly these exercises, whatever DIR/.vmlab/workspace.json says", "NAME,NAME");
        var format = Opt.Choice("--format", "text (xv6 style), json, gradescope (results.json) or junit (XML)", "text", Formats.Names);
        var output = Opt.Text("--output", "write the gradescope or junit document to FILE instead of stdout", "FILE", "-o");
        return new Verb("grade", "build a workspace's exercise files pristine and run its graded tests (Score: x/y)",
            """
            Copies the exercise files 'lab list' names (nothing else: not DIR's project, Makefile or build settings) into
            a project the grader owns, builds them with the grader's rules (student API only, no reflection, unsafe,
            interop, files, processes or threads; the C file with the grader's compiler command), then runs each
            graded test in a sandboxed child process of its own: "name: OK (0.3s)" or "name: FAIL" with the reason,
            then Score: x/y. A test or exercise name keeps only its tests. A failing test's trace is saved as
            DIR/.vmlab/TEST.trace. Exit status 0 only with full marks.
            """,
            """{"score","max_score","tests":[{"name","exercise","points","passed","reason","seconds"}]}""",
            "vmlab lab grade ~/lab1", "vmlab lab grade ~/lab1 fork", "vmlab lab grade ~/lab1 --exercises fork,exit --format gradescope -o results.json",
            "vmlab lab grade --reference --json")
        {
            Tour = new("The labs hand the kernel's functions to students; the grader plugs a student's function in place of " +
                "the kernel's own, builds only the exercise files in a project of its own and runs each test in a sandboxed " +
                "process with WeensyOS's memory checks after every kernel entry. Here it grades the kernel's own remap, as " +
                "'lab grade --reference' does to check an installation.", "--reference", "bigdata"),
        }
            .Takes(args, reference, timeout, exercises, format, output).Does(ctx =>
            {
                bool refMode = ctx.Get(reference);
                string fmt = ctx.Json ? "json" : ctx.Get(format);
                var positionals = ctx.Get(args) ?? [];
                string? dir = refMode ? null : positionals.FirstOrDefault() ?? throw new UsageException("give the workspace directory (or --reference)");
                if (positionals.Length > (refMode ? 1 : 2)) throw new UsageException($"unexpected argument '{positionals[^1]}'");
                string? filter = positionals.Skip(refMode ? 0 : 1).FirstOrDefault();
                if (filter is not null && Catalog.Select(filter).Count == 0)
                    throw new UsageException($"no test or exercise is named '{filter}' (see 'vmlab lab list')");
                if (dir is not null && !Directory.Exists(dir)) throw new UsageException($"{dir} is not a directory");
                string? file = ctx.Get(output);
                if (file is not null && fmt is "text" or "json") throw new UsageException("--output goes with --format gradescope or junit");
                if (file is not null) CheckResultsFile(file, dir);
                GradeReport report;
                try
                {
                    var chosen = ctx.Get(exercises) is { } names ? Workspace.Parse([names]) : null;
                    var options = new GradeOptions { Workspace = dir, Filter = filter, Exercises = chosen, TestTimeout = TimeSpan.FromSeconds(ctx.Get(timeout)) };
                    bool text = fmt == "text";
                    report = Grader.Grade(options, text ? r => Grader.WriteLine(ctx.Out, r) : null, text ? n => ctx.Out.WriteLine(Shown.Escape(n)) : null);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                switch (fmt)
                {
                    case "json":
                        ctx.WriteJson(new { report.Score, report.MaxScore, report.Tests });
                        break;
                    case "gradescope" or "junit":
                        string doc = fmt == "gradescope" ? Formats.Gradescope(report) : Formats.Junit(report);
                        if (file is null) ctx.Out.Write(doc);
                        else WriteResults(file, doc);
                        break;
                    default:
                        ctx.Out.WriteLine($"Score: {report.Score}/{report.MaxScore}");
                        break;
                }
                return report.FullMarks ? ExitCode.Ok : ExitCode.NotConfirmed;
            });
    }

    // The results file is checked before a test runs (a grade takes minutes): a regular file or a new one, in a
    // directory that exists, and never inside the workspace graded, whose files are the student's.
    private static void CheckResultsFile(string file, string? workspace)
    {
        if (file.Length == 0) throw new UsageException("--output needs a file name");
        string full = Path.GetFullPath(file);
        if (workspace is not null && FileKinds.IsInside(file, workspace))   // a link to it is still the workspace
            throw new UsageException($"--output: '{Numbers.Clip(file)}' is inside the workspace being graded, whose files are the student's; write the results elsewhere");
        if (Path.Exists(full) && (Directory.Exists(full) || FileKinds.Of(full) != FileKind.Regular))
            throw new UsageException($"--output: '{Numbers.Clip(file)}' is not a regular file; the results are written to one");
        if (!Directory.Exists(Path.GetDirectoryName(full)))
            throw new UsageException($"--output: no directory to write '{Numbers.Clip(file)}' in");
    }

    // Written beside the file and renamed over it: a full disk or a link in its place leaves what was there whole.
    private static void WriteResults(string file, string doc)
    {
        string full = Path.GetFullPath(file), temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, doc);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RefusedException($"cannot write '{Numbers.Clip(file)}': {e.Message}");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static Verb Gradescope()
    {
        var output = Opt.Text("--output", "the directory for the autograder bundle (created; must not exist or be empty)", "DIR", "-o");
        var exercises = Opt.Text("--exercises", "the exercises the bundle grades (default: all)", "NAME,NAME");
        return new Verb("gradescope", "write a Gradescope autograder bundle (setup.sh, run_autograder) that grades with this vmlab",
            """
            Writes DIR/setup.sh (installs the .NET SDK, gcc, binutils and bubblewrap, and this vmlab, which the bundle
            carries in DIR/vmlab), DIR/run_autograder (grades /autograder/submission with 'lab grade --exercises LIST
            --format gradescope' into /autograder/results/results.json; VMLAB, VMLAB_SUBMISSION and VMLAB_RESULTS
            override the paths) and DIR/README.md. Zip DIR's contents and upload them as the autograder.
            """,
            null, "vmlab lab gradescope -o autograder --exercises fork,exit")
            .Takes(output, exercises).Does(ctx =>
            {
                string dir = ctx.Get(output) ?? throw new UsageException("give the bundle's directory with -o DIR");
                IReadOnlyList<Exercise> chosen;
                try
                {
                    chosen = Workspace.Parse(ctx.Get(exercises) is { } names ? [names] : []);
                    var files = GradescopeBundle.Write(dir, chosen, AppContext.BaseDirectory);   // vmlab.dll's own directory, in any layout
                    ctx.Out.WriteLine($"autograder bundle in {dir}: {string.Join(", ", files)}");
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                ctx.Out.WriteLine($"grades {string.Join(", ", chosen.Select(e => e.Name))} ({chosen.Sum(e => e.Points)} points); zip the directory's contents and upload them to Gradescope");
                return ExitCode.Ok;
            });
    }

    /// <summary>The grader's child: one test, its verdict written where the request says. Hidden from help.</summary>
    private static Verb RunTest()
    {
        var request = Opt.Text("--request", "the grader's request document (vmlab-test-request/1)", "FILE");
        return new Verb("run-test", "(used by lab grade) run one graded test in this process",
            "The grader starts this once per test, and reads the verdict from the result document the request names.", null,
            "vmlab lab run-test --request request.json") { Hidden = true }
            .Takes(request).Does(ctx =>
                TestHost.Serve(ctx.Get(request) ?? throw new UsageException("give --request FILE")) == 0 ? ExitCode.Ok
                : throw new UsageException("the request is not a vmlab-test-request/1 document"));
    }

    /// <summary>The child of sim run / sim memory / web --workspace: the student's seams loaded here, under caps, and
    /// the command (or the machine server) run with them. Hidden from help.</summary>
    private static Verb RunSeams()
    {
        var request = Opt.Text("--request", "the request document (vmlab-seam-request/1)", "FILE");
        return new Verb("run-seams", "(used by --workspace) run a command with a student's seams in this process",
            "sim run, sim memory and web start this with --workspace, and read what it printed from the result document the request names.", null,
            "vmlab lab run-seams --request request.json") { Hidden = true }
            .Takes(request).Does(ctx =>
                VmLab.Labs.Build.SeamHost.Serve(ctx.Get(request) ?? throw new UsageException("give --request FILE"), Sim.HostedSeams.Run) == 0 ? ExitCode.Ok
                : throw new UsageException("the request is not a vmlab-seam-request/1 document"));
    }
}

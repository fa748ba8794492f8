using System.CommandLine;
using VmLab.Labs.Build;
using VmLab.Sim.Scenarios;

namespace VmLab.Cli.Commands.Sim;

/// <summary>--workspace DIR for the verbs that boot the teaching kernel: the seams a student wrote, built by the
/// lab grader's own pristine build (<see cref="StudentKernel"/>), laid over the scenario's kernel.</summary>
internal static class WorkspaceSeams
{
    public const string Help = "run your kernel: the seams you wrote in DIR (a 'vmlab lab init' workspace), built as 'lab grade' "
        + "builds them (only the exercise files, in the grader's own project); the reference kernel for every seam still a stub";

    public static Option<string?> Option() => Opt.Text("--workspace", Help, "DIR");

    /// <summary>How long one call into a student's seam may take in a server, which must go on serving.</summary>
    public static readonly TimeSpan ServerCallLimit = TimeSpan.FromSeconds(10);

    /// <summary>The workspace's seams, or null without --workspace. A workspace that is missing or does not build is
    /// bad input (exit 2), its compiler's first error in the one line.</summary>
    public static SeamOverlay? Build(Ctx ctx, Option<string?> option, TimeSpan? callLimit = null)
    {
        if (ctx.Get(option) is not { } dir) return null;
        try
        {
            return HostedSeams.Load is { } load ? load()
                : ctx.Progress($"building the seams in {Shown.Token(dir)} as the grader does", () => StudentKernel.Build(dir, callLimit: callLimit));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--workspace: {e.Message}");
        }
    }

    /// <summary>The workspace's build, kept on disk for child processes to load, or null without --workspace. A workspace
    /// that is missing or does not build is bad input (exit 2).</summary>
    public static StudentBuild? Prepare(Ctx ctx, Option<string?> option)
    {
        if (ctx.Get(option) is not { } dir) return null;
        try
        {
            return ctx.Progress($"building the seams in {Shown.Token(dir)} as the grader does", () => StudentKernel.Prepare(dir));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--workspace: {e.Message}");
        }
    }

    /// <summary>web --workspace: every machine in a child process of its own hosting <paramref name="build"/>'s seams, each
    /// call into them limited to <paramref name="callLimit"/>.</summary>
    public static VmLab.Web.MachineHosting Hosting(StudentBuild build, TimeSpan callLimit, IReadOnlyList<(string Name, byte[] Elf)>? programs = null) =>
        new(build.Source, build.Names, async cancel => new HostedMachine(await SeamServer.StartAsync(build, callLimit, cancel, programs)));

    /// <summary>
    /// With --workspace DIR holding seams of the student's: builds them, runs this very command line in a child process
    /// that hosts them (<see cref="SeamHost"/>), prints what it printed and returns its exit code; a child that crashed
    /// or hung is one line naming the seam (exit 1). Null when the command runs here: no --workspace, every seam
    /// still the stub, or this process is that child.
    /// </summary>
    public static int? RunHosted(Ctx ctx, Option<string?> option, TimeSpan wallTime)
    {
        if (HostedSeams.Load is not null || Prepare(ctx, option) is not { } build) return null;
        using (build)
        {
            if (build.Assembly is null) return null;
            var args = ctx.Parse.Tokens.Select(t => t.Value).ToList();
            SeamResult result;
            try
            {
                // Each call into a seam may take the run's whole time; the child as a whole a little more (it starts .NET).
                result = ctx.Progress($"running your kernel ({build.Names.Count} seam(s) of yours) in a child process",
                    () => SeamHost.Run(build, args, callLimit: wallTime, limit: wallTime + ChildStart));
            }
            catch (SeamCrashException e)
            {
                throw new RefusedException(e.Message);
            }
            ctx.Out.Write(result.Stdout);
            ctx.Err.Write(result.Stderr);
            return result.ExitCode;
        }
    }

    /// <summary>What a child needs beyond the run's own time: starting .NET and loading the seams, on a loaded machine.</summary>
    private static readonly TimeSpan ChildStart = TimeSpan.FromSeconds(15);

    /// <summary>After a run with the student's seams: when the kernel panicked inside one of them, one line on stderr
    /// that names it and says what happened ("fork: your code threw NullReferenceException at Fork.cs:14: ...").</summary>
    public static void SayPanic(Ctx ctx, SeamOverlay? seams, string? panic)
    {
        if (seams is not null && panic is not null && seams.Names.Any(n => panic.StartsWith(n + ": ", StringComparison.Ordinal)))
            Shown.Error(ctx.Err, ctx.Path, ExitCode.OneLine(panic));
    }

    /// <summary>"fork (yours, from DIR); the rest: the reference kernel".</summary>
    public static string Describe(SeamOverlay seams) => seams.Names.Count == 0
        ? $"none: every seam in {seams.Source} is still the stub, so the reference kernel ran"
        : $"{seams} (yours, from {seams.Source}); every other seam: the reference kernel";

    /// <summary>Runs <paramref name="work"/> with a deadline of its own: a student's seam may loop forever between two
    /// kernel entries, where the kernel's clock never looks. Past the deadline the run is abandoned (exit 1).</summary>
    public static T Bounded<T>(Func<T> work, TimeSpan limit, string what)
    {
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool done;
        try
        {
            done = task.Wait(limit + TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            done = true;     // its own exception, unwrapped below
        }
        if (done) return task.GetAwaiter().GetResult();
        throw new RefusedException($"{what} did not come back within {limit.TotalSeconds:0} s: a seam of yours may loop forever (raise --timeout if it is only slow)");
    }
}

/// <summary>This process as the child of <see cref="WorkspaceSeams.RunHosted"/> (<c>lab run-seams</c>): the student's
/// seams come from the request's build, loaded on first use, and the command line runs here.</summary>
internal static class HostedSeams
{
    /// <summary>Loads the student's seams; set only in the child.</summary>
    public static Func<SeamOverlay>? Load { get; private set; }

    public static (int ExitCode, string Stdout, string Stderr) Run(SeamRequest request, Func<SeamOverlay> load)
    {
        if (request.Socket is { } socket) return Serve(socket, load, request.Args is ["--program", var list] ? list : null);
        Load = load;
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(request.Args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    // One machine server for web --workspace, on the socket the parent waits for; it runs until the parent kills it.
    private static (int ExitCode, string Stdout, string Stderr) Serve(string socket, Func<SeamOverlay> load, string? programs)
    {
        SeamOverlay seams;
        try
        {
            seams = load();
        }
        catch (ArgumentException e)
        {
            return (ExitCode.Usage, "", ExitCode.OneLine(e.Message) + "\n");
        }
        var options = new VmLab.Web.WebOptions { Seams = seams, Quiz = WebCommand.Quiz, Programs = WebCommand.Programs(programs) };
        VmLab.Web.WebServer.StartOnSocketAsync(socket, options).GetAwaiter().GetResult();
        Thread.Sleep(Timeout.Infinite);
        return (ExitCode.Ok, "", "");
    }
}

/// <summary>A <see cref="SeamServer"/> as the web sees a machine host.</summary>
internal sealed class HostedMachine(SeamServer server) : VmLab.Web.IMachineHost
{
    public HttpMessageHandler Handler => server.Handler;

    public string? WhyGone() => server.WhyGone();

    public void Dispose() => server.Dispose();
}

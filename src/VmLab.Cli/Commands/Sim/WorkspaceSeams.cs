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
            return ctx.Progress($"building the seams in {Shown.Token(dir)} as the grader does", () => StudentKernel.Build(dir, callLimit: callLimit));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--workspace: {e.Message}");
        }
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
        if (task.Wait(limit + TimeSpan.FromSeconds(5))) return task.GetAwaiter().GetResult();
        throw new RefusedException($"{what} did not come back within {limit.TotalSeconds:0} s: a seam of yours may loop forever (raise --timeout if it is only slow)");
    }
}

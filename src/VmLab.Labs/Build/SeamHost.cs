using VmLab.Labs.Grading;
using VmLab.Linux;
using VmLab.Sim.Scenarios;

namespace VmLab.Labs.Build;

/// <summary>A child that hosted a student's seams ended without its result: why, in one line for the student.</summary>
public sealed class SeamCrashException(string message) : InvalidOperationException(message);

/// <summary>
/// Student code is hostile input everywhere, not only in the grader: a seam that recurses forever overflows the .NET
/// stack, which no catch survives. So the commands that run a student's seams run them in a child process the way the
/// grader runs a test (<see cref="TestRunner"/>): vmlab itself (<c>lab run-seams</c>), in a process group of its own,
/// setrlimit caps applied by the child before it loads the student's code, bubblewrap where it works, a wall-clock
/// limit, the whole group killed at the end, and the outcome read only from the signed result document.
/// </summary>
public static class SeamHost
{
    /// <summary>The caps of a seam-hosting child: the simulated machine needs a few MiB; 1 GiB stops a runaway allocation.</summary>
    public static TestLimits Limits(TimeSpan limit, Sandbox sandbox) =>
        new(DataBytes: 1UL << 30, CpuSeconds: (ulong)limit.TotalSeconds + 10, Processes: sandbox.Bwrap is null ? 8192UL : 512UL, FileBytes: 64UL << 20);

    /// <summary>
    /// Runs vmlab's command line <paramref name="args"/> in a child that hosts <paramref name="build"/>'s seams; what it
    /// printed and its exit code. Each call into a seam may take <paramref name="callLimit"/>; the whole child
    /// <paramref name="limit"/>. Throws <see cref="SeamCrashException"/> (one line naming the seam) when the child died
    /// or hung without a result.
    /// </summary>
    public static SeamResult Run(StudentBuild build, IReadOnlyList<string> args, TimeSpan callLimit, TimeSpan limit,
        Sandbox? sandbox = null, ChildLauncher? launcher = null)
    {
        sandbox ??= Sandbox.Current;
        string dir = Directory.CreateTempSubdirectory("vmlab-seams-").FullName;
        Interruption.Own(dir);
        try
        {
            var (request, start) = Prepare(build, args, null, dir, callLimit, limit, sandbox, launcher ?? ChildLauncher.Locate("run-seams"));
            var (exit, _) = LimitedProcess.Run(start);
            var result = Protocol.Read<SeamResult>(request.Result);
            if (result is { Schema: SeamResult.Version } && !exit.TimedOut && result.SignedWith(request.Key)) return result;
            throw new SeamCrashException(Explain(exit, SeamMarker.Read(request.Marker), Tools.ReadHead(start.StderrPath, 64 << 10), limit, sandbox));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            Interruption.Forget(dir);
        }
    }

    /// <summary>The request document (written to <paramref name="dir"/>) and how to start its child.</summary>
    public static (SeamRequest Request, LimitedStart Start) Prepare(StudentBuild build, IReadOnlyList<string> args, string? socket, string dir,
        TimeSpan callLimit, TimeSpan limit, Sandbox sandbox, ChildLauncher launcher)
    {
        string assembly = build.Assembly ?? throw new ArgumentException($"{build.Source}: no seam of the student's to run");
        string key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var request = new SeamRequest(SeamRequest.Version, args, socket, build.Source, build.Names, assembly, Path.Combine(dir, "result.json"),
            Path.Combine(dir, "marker"), callLimit.TotalSeconds, Limits(limit, sandbox), key);
        SeamMarker.Create(request.Marker);
        string requestPath = Path.Combine(dir, "request.json");
        Protocol.Write(requestPath, request);
        IEnumerable<string> visible = [Path.GetDirectoryName(launcher.FileName)!, .. launcher.Prefix.Where(Path.IsPathRooted).Select(p => Path.GetDirectoryName(p)!),
            AppContext.BaseDirectory, Path.GetDirectoryName(assembly)!];
        var (program, wrapped) = sandbox.Wrap(launcher.FileName, [.. launcher.Prefix, "--request", requestPath], dir, visible);
        return (request, new LimitedStart(program, wrapped, TestRunner.Environment(), Path.Combine(dir, "stdout"), Path.Combine(dir, "stderr"))
        {
            WorkingDirectory = dir,
            Timeout = limit,
        });
    }

    /// <summary>Why a child has no result, from how it ended and the seam the marker names: "your fork overflowed
    /// the stack (infinite recursion?)".</summary>
    public static string Explain(ChildExit exit, string? seam, string stderr, TimeSpan limit, Sandbox sandbox)
    {
        string who = seam is null ? "your seams" : $"your {seam}";
        if (exit.TimedOut) return $"{who} did not come back within {limit.TotalSeconds:0} s (an endless loop?)";
        // bubblewrap reports its child's death by signal N as exit status 128 + N.
        if (sandbox.Bwrap is not null && exit.ExitCode is > 128 and < 160) exit = exit with { ExitCode = null, Signal = exit.ExitCode - 128 };
        return exit.Signal switch
        {
            6 when stderr.Contains("Stack overflow", StringComparison.Ordinal) => $"{who} overflowed the stack (infinite recursion?)",
            6 when OutOfMemory(stderr) => $"{who} ran out of memory (more than {Limits(limit, sandbox).DataBytes >> 20} MiB)",
            6 => $"{who} crashed the process (SIGABRT: the .NET runtime aborts on a stack overflow or when memory runs out)",
            11 => $"{who} crashed the process (SIGSEGV)",
            24 => $"{who} used up its CPU time (SIGXCPU): an endless loop?",
            9 => $"{who} was killed (SIGKILL): for using too much memory?",
            int s => $"{who} ended the process with signal {s}",
            null => $"{who} ended the process (exit status {exit.ExitCode}) before the run finished",
        };
    }

    private static bool OutOfMemory(string stderr) =>
        stderr.Contains("Out of memory", StringComparison.Ordinal) || stderr.Contains("OutOfMemory", StringComparison.Ordinal)
        || stderr.Contains("Insufficient memory", StringComparison.Ordinal);

    /// <summary>
    /// The child's side (<c>vmlab lab run-seams --request FILE</c>): reads and deletes the request, caps itself, then
    /// hands <paramref name="run"/> the request and a loader of the student's seams (nothing of theirs is loaded before
    /// the caps), and writes the signed result of what it returns. 2 for a request that is not one.
    /// </summary>
    public static int Serve(string requestPath, Func<SeamRequest, Func<SeamOverlay>, (int ExitCode, string Stdout, string Stderr)> run)
    {
        var request = Protocol.Read<SeamRequest>(requestPath);
        if (request is null || request.Schema != SeamRequest.Version) return 2;
        File.Delete(requestPath);
        ResourceLimits.DenyInspection();
        var l = request.Limits;
        new ResourceLimits(l.DataBytes, l.CpuSeconds, l.Processes, l.FileBytes).ApplyToSelf();
        SeamMarker.Open(request.Marker);
        var exercises = request.Exercises.Select(n => Catalog.Find(n) ?? throw new ArgumentException($"no exercise named {n}")).ToList();
        var (code, stdout, stderr) = run(request, () => StudentKernel.Load(request.Workspace, exercises, request.Assembly, TimeSpan.FromSeconds(request.CallLimitSeconds)));
        Protocol.Write(request.Result, new SeamResult(SeamResult.Version, code, stdout, stderr, SeamResult.Sign(request.Key, code, stdout, stderr)));
        return 0;
    }
}

using VmLab.Labs.Build;
using VmLab.Linux;

namespace VmLab.Labs.Grading;

/// <summary>
/// The grader's side of one test: a directory of its own for the protocol's documents and the child's output,
/// the child started bounded (process group, setrlimit caps applied by the child to itself, wall-clock limit,
/// bubblewrap where it works), and the verdict read from the result document and nowhere else.
/// </summary>
internal sealed class TestRunner(ChildLauncher launcher, Sandbox sandbox, string runRoot)
{
    public sealed record Outcome(bool Passed, string Reason, IReadOnlyList<string> Trace, double Seconds);

    public Outcome Run(GradedTest test, string? assembly, string? library, TimeSpan limit)
    {
        string dir = Path.Combine(runRoot, test.Name);
        Directory.CreateDirectory(dir);
        string key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var request = new TestRequest(TestRequest.Version, test.Name, assembly, library, Path.Combine(dir, "result.json"), Path.Combine(dir, "progress.json"),
            new TestLimits(DataBytes: 2UL << 30, CpuSeconds: (ulong)limit.TotalSeconds + 5, Processes: sandbox.Bwrap is null ? 8192UL : 512UL, FileBytes: 64UL << 20), key);
        string requestPath = Path.Combine(dir, "request.json");
        Protocol.Write(requestPath, request);
        IEnumerable<string> visible = [Path.GetDirectoryName(launcher.FileName)!, .. launcher.Prefix.Where(Path.IsPathRooted).Select(p => Path.GetDirectoryName(p)!),
            AppContext.BaseDirectory, .. new[] { assembly, library }.OfType<string>().Select(p => Path.GetDirectoryName(p)!)];
        // a student's library is tested where VmLab's own finished one cannot be read (and so not loaded)
        var (program, args) = sandbox.Wrap(launcher.FileName, [.. launcher.Prefix, "--request", requestPath], dir, visible,
            library is null ? [] : [.. ShippedLibrary()]);
        string output = Path.Combine(dir, "output");
        var (exit, seconds) = LimitedProcess.Run(new LimitedStart(program, args, Environment(), output, output)
        {
            WorkingDirectory = dir,
            Timeout = limit,
        });
        var verdict = Protocol.Read<TestVerdict>(request.Result);
        if (verdict is { Schema: TestVerdict.Version } && verdict.Test == test.Name && !exit.TimedOut && verdict.SignedWith(key))
            return new Outcome(verdict.Passed, verdict.Reason, verdict.Trace, seconds);
        string crashOutput = Tools.ReadHead(output, 64 << 10);
        // bubblewrap reports its child's death by signal N as exit status 128 + N.
        if (sandbox.Bwrap is not null && exit.ExitCode is > 128 and < 160) exit = exit with { ExitCode = null, Signal = exit.ExitCode - 128 };
        return new Outcome(false, Crash(test, exit, limit, Protocol.Read<TestProgress>(request.Progress)), ["child output:", .. crashOutput.Split('\n').Take(200)], seconds);
    }

    // Why there is no verdict, from the child's end (a signal or exit status) and the last step it announced.
    private static string Crash(GradedTest test, ChildExit exit, TimeSpan limit, TestProgress? progress)
    {
        if (exit.TimedOut) return $"timed out after {limit.TotalSeconds:0} s: an infinite loop, or a process that never finishes?";
        string during = progress is null ? "" : $" while {progress.Doing}";
        string hint = progress is null ? "" : $": {progress.IfCrash}";
        bool kernel = Catalog.Find(test.Exercise) is { IsC: false, Plug: not null };
        return exit.Signal switch
        {
            6 when kernel => "the test process aborted (SIGABRT): a stack overflow, unbounded recursion in your code?",
            6 => $"the test process crashed (SIGABRT){during}{hint} (the .NET runtime aborts on a stack overflow or an access violation)",
            11 => $"the test process crashed (SIGSEGV){during}{hint}",
            24 => "the test used up its CPU time (SIGXCPU): an infinite loop?",
            25 => "the test wrote more than the file-size cap (SIGXFSZ)",
            9 => $"the test process was killed (SIGKILL){during}: by a program it ran, or for using too much memory",
            int s => $"the test process was killed by signal {s}{during}{hint}",
            null => $"the test process ended (exit status {exit.ExitCode}){during} before the test finished{hint}",
        };
    }

    private static IEnumerable<string> ShippedLibrary()
    {
        string? path;
        try
        {
            path = Friendly.LibraryPath;
        }
        catch (FileNotFoundException)
        {
            path = null;
        }
        if (path is not null) yield return path;
    }

    // What the child sees: no variable of the grader's but these (nothing that names the result).
    internal static Dictionary<string, string> Environment()
    {
        var env = Tools.ToolEnvironment("/tmp");
        env["HOME"] = "/tmp";
        env["DOTNET_EnableDiagnostics"] = "0";
        env["DOTNET_gcServer"] = "0";
        if (System.Environment.GetEnvironmentVariable("DOTNET_EnableWriteXorExecute") is { } wx) env["DOTNET_EnableWriteXorExecute"] = wx;
        return env;
    }
}

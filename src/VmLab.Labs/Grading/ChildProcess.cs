using System.Diagnostics;
using System.Text;

namespace VmLab.Labs.Grading;

/// <summary>Runs a program with a time limit, capturing its output; on time-out the whole process tree dies.</summary>
internal static class ChildProcess
{
    public sealed record Result(int ExitCode, string Out, string Err, bool TimedOut, double Seconds);

    public static Result Run(string fileName, IEnumerable<string> args, TimeSpan limit, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // A grader started from a build or test run inherits MSBuild's variables; they would steer the
        // student's build to the wrong SDK pieces.
        foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null && stdout.Length < 4 << 20) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null && stderr.Length < 1 << 20) stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        bool done = p.WaitForExit(limit);
        if (!done)
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it ended between the time-out and the kill
            }
            p.WaitForExit(TimeSpan.FromSeconds(10));
        }
        else
        {
            p.WaitForExit();     // drains the output readers
        }
        return new Result(done ? p.ExitCode : -1, stdout.ToString(), stderr.ToString(), !done, sw.Elapsed.TotalSeconds);
    }
}

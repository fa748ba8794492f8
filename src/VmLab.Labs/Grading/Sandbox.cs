using VmLab.Labs.Build;
using VmLab.Linux;

namespace VmLab.Labs.Grading;

/// <summary>
/// Debian's bubblewrap around each test child: everything read-only (the workspace included), no network, a
/// private /tmp, its own user (nobody, no capabilities), pid, IPC and UTS namespaces; the test's own directory
/// is the one place it may write. When the pid namespace's first process dies, the kernel kills the rest.
/// </summary>
public sealed class Sandbox
{
    private Sandbox(string? bwrap, string note)
    {
        Bwrap = bwrap;
        Note = note;
    }

    /// <summary>/usr/bin/bwrap when it works here, else null (tests then run with process groups and limits only).</summary>
    public string? Bwrap { get; }

    /// <summary>One line for the grade's output: what isolates the tests.</summary>
    public string Note { get; }

    private static readonly Lazy<Sandbox> Probed = new(() => Probe("/usr/bin/bwrap"));

    /// <summary>Probed once per process: bwrap present, and able to start a program with these options.</summary>
    public static Sandbox Current => Probed.Value;

    /// <summary>No sandbox (tests of the grader itself, and machines where an instructor turns it off).</summary>
    public static Sandbox None { get; } = new(null, "sandbox: off; tests run in process groups with setrlimit caps only");

    /// <summary>The command line that runs program under the sandbox: writable only <paramref name="writable"/>,
    /// and <paramref name="visible"/> paths bound read-only when they lie under the private /tmp.</summary>
    /// <param name="hidden">files that read as empty inside the sandbox</param>
    public (string Program, IReadOnlyList<string> Args) Wrap(string program, IReadOnlyList<string> args, string writable, IEnumerable<string> visible,
        IEnumerable<string>? hidden = null)
    {
        if (Bwrap is null) return (program, args);
        var a = new List<string>
        {
            "--unshare-user", "--uid", "65534", "--gid", "65534", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        };
        foreach (string path in visible.Select(Path.GetFullPath).Distinct().Where(p => p.StartsWith("/tmp/", StringComparison.Ordinal) && Path.Exists(p)))
            a.AddRange(["--ro-bind", path, path]);
        foreach (string path in (hidden ?? []).Where(File.Exists))
            a.AddRange(["--ro-bind", "/dev/null", path]);
        a.AddRange(["--bind", writable, writable, "--chdir", writable, "--", program, .. args]);
        return (Bwrap, a);
    }

    /// <summary>The sandbox bwrap at <paramref name="bwrap"/> gives: tries it once on a shell command.</summary>
    internal static Sandbox Probe(string bwrap)
    {
        string Path = bwrap;
        if (!File.Exists(Path)) return new(null, "sandbox: bubblewrap is not installed (apt-get install bubblewrap); tests run in process groups with setrlimit caps only");
        string dir = Directory.CreateTempSubdirectory("vmlab-sandbox-").FullName;
        try
        {
            var probe = new Sandbox(Path, "");
            var (program, args) = probe.Wrap("/bin/sh", ["-c", "echo ok > probe"], dir, []);
            var (exit, _) = LimitedProcess.Run(new LimitedStart(program, args, Tools.ToolEnvironment("/tmp"), System.IO.Path.Combine(dir, "out"), System.IO.Path.Combine(dir, "out"))
                { Timeout = TimeSpan.FromSeconds(20) });
            bool ok = exit.ExitCode == 0 && File.Exists(System.IO.Path.Combine(dir, "probe"));
            return ok
                ? new(Path, "sandbox: bubblewrap (workspace read-only, no network, private /tmp, user nobody)")
                : new(null, $"sandbox: bubblewrap does not work here ({Tools.ReadHead(System.IO.Path.Combine(dir, "out"), 400).Trim().Split('\n')[0]}); tests run in process groups with setrlimit caps only");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

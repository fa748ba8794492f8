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
    private Sandbox(string? bwrap, string note, string? setpriv = null)
    {
        Bwrap = bwrap;
        Note = note;
        Setpriv = setpriv;
    }

    /// <summary>/usr/bin/bwrap when it works here, else null (tests then run with process groups and limits only).</summary>
    public string? Bwrap { get; }

    /// <summary>Where bubblewrap does not work and this process is root (a grading container): util-linux's setpriv,
    /// which starts each test child as user nobody with no capabilities, so that student code can neither read the
    /// grader's memory (the key that signs verdicts) nor write outside the world-writable places. Else null.</summary>
    public string? Setpriv { get; }

    /// <summary>The uid and gid a child runs as when <see cref="Setpriv"/> starts it.</summary>
    public const int Nobody = 65534;

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
        if (Bwrap is null && Setpriv is not null && !OperatingSystem.IsWindows())
        {
            // the child, as nobody, writes its directory and reads what it is shown (our temporary directories are
            // 0700: each one on the way gets search permission for others, no listing; nothing outside them changes)
            string temp = Path.GetFullPath(Path.GetTempPath()).TrimEnd('/');
            foreach (string path in visible.Append(writable).Select(Path.GetFullPath).Distinct().Where(p => p.StartsWith(temp + "/", StringComparison.Ordinal) && Directory.Exists(p)))
                for (var dir = new DirectoryInfo(path); dir is not null && dir.FullName.TrimEnd('/') != temp; dir = dir.Parent)
                    dir.UnixFileMode |= UnixFileMode.OtherExecute;
            File.SetUnixFileMode(writable, File.GetUnixFileMode(writable) | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            return (Setpriv, [$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", program, .. args]);
        }
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
    internal static Sandbox Probe(string bwrap, string setpriv = "/usr/bin/setpriv")
    {
        if (!File.Exists(bwrap)) return Fallback("bubblewrap is not installed (apt-get install bubblewrap)", setpriv);
        var tried = new Sandbox(bwrap, "");
        return Tries(tried, out string said)
            ? new(bwrap, "sandbox: bubblewrap (workspace read-only, no network, private /tmp, user nobody)")
            : Fallback($"bubblewrap does not work here ({said})", setpriv);
    }

    // Without bubblewrap: process groups and caps, and for a root grader the child as nobody when setpriv can do it.
    private static Sandbox Fallback(string why, string setpriv)
    {
        if (!Environment.IsPrivilegedProcess) return new(null, $"sandbox: {why}; tests run in process groups with setrlimit caps only");
        string said = "not installed";
        var dropping = new Sandbox(null, "", setpriv);
        return File.Exists(setpriv) && Tries(dropping, out said)
            ? new(null, $"sandbox: {why}; tests run as user nobody (setpriv), in process groups with setrlimit caps", setpriv)
            : new(null, $"sandbox: {why}; tests run as root (setpriv could not drop to nobody: {said}), in process groups with setrlimit caps only: grade without root, or install bubblewrap or util-linux");
    }

    // Starts a shell through the sandbox, which must write a file in its directory.
    private static bool Tries(Sandbox sandbox, out string said)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-sandbox-").FullName;
        try
        {
            var (program, args) = sandbox.Wrap("/bin/sh", ["-c", "echo ok > probe"], dir, []);
            string output = Path.Combine(dir, "..", Path.GetFileName(dir) + ".out");
            var (exit, _) = LimitedProcess.Run(new LimitedStart(program, args, Tools.ToolEnvironment("/tmp"), output, output) { WorkingDirectory = dir, Timeout = TimeSpan.FromSeconds(20) });
            said = Tools.ReadHead(output, 400).Trim().Split('\n')[0];
            File.Delete(output);
            return exit.ExitCode == 0 && File.Exists(Path.Combine(dir, "probe"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

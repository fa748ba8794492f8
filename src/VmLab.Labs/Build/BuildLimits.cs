using VmLab.Linux;

namespace VmLab.Labs.Build;

/// <summary>How long and how big a build may get. dotnet build and gcc run with these caps, in a process group of
/// their own, killed as a group at the end.</summary>
public sealed record BuildLimits
{
    /// <summary>Wall-clock limit of one dotnet build or one compiler run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>setrlimit caps of a build.</summary>
    public ResourceLimits Limits { get; init; } = new(DataBytes: 8UL << 30, CpuSeconds: 600, Processes: 4096, FileBytes: 256UL << 20);

    public static BuildLimits Default { get; } = new();
}

/// <summary>Finding the programs a build runs, and running them bounded with a known environment.</summary>
internal static class Tools
{
    /// <summary>The absolute path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (string dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>dotnet: the host that runs this process when it is dotnet, else the one on PATH.</summary>
    public static string Dotnet() =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : System.Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Find("dotnet") ?? throw new InvalidOperationException("cannot find dotnet (the .NET SDK) to build the C# exercises");

    /// <summary>The variables a tool may see: a path, a home for caches, a temp dir, English messages. Nothing
    /// else of the grader's environment (MSBuild's variables from a surrounding build would steer a child build).</summary>
    public static Dictionary<string, string> ToolEnvironment(string temp)
    {
        var env = new Dictionary<string, string>
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["HOME"] = System.Environment.GetEnvironmentVariable("HOME") ?? temp,
            ["TMPDIR"] = temp,
            ["LANG"] = "C.UTF-8",
            ["DOTNET_CLI_UI_LANGUAGE"] = "en",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };
        foreach (string key in new[] { "DOTNET_ROOT", "NUGET_PACKAGES", "DOTNET_CLI_HOME" })
            if (System.Environment.GetEnvironmentVariable(key) is { Length: > 0 } v) env[key] = v;
        return env;
    }

    /// <summary>Runs a tool bounded by limits in dir; its exit and what it printed (stdout and stderr together, at most 1 MiB).
    /// Its TMPDIR is a directory of its own under dir, removed afterwards: what a killed tool such as NuGet leaves in a
    /// temp dir (scratch, locks) goes with it. (Not the compiler server's socket, which is in /tmp whatever TMPDIR
    /// says: CSharpBuild removes that.)</summary>
    public static (ChildExit Exit, string Output) Run(string program, IReadOnlyList<string> args, string dir, BuildLimits limits)
    {
        string id = Guid.NewGuid().ToString("N");
        string output = Path.Combine(dir, $".out-{id}"), temp = Directory.CreateDirectory(Path.Combine(dir, $".tmp-{id}")).FullName;
        try
        {
            var (exit, _) = LimitedProcess.Run(new LimitedStart(program, args, ToolEnvironment(temp), output, output)
            {
                WorkingDirectory = dir,
                Limits = limits.Limits,
                Timeout = limits.Timeout,
            });
            return (exit, ReadHead(output, 1 << 20));
        }
        finally
        {
            File.Delete(output);
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
                // the caller's directory goes as a whole afterwards
            }
        }
    }

    /// <summary>The first <paramref name="max"/> bytes of a file as text ("" when it is missing).</summary>
    public static string ReadHead(string path, int max)
    {
        if (!File.Exists(path)) return "";
        using var f = File.OpenRead(path);
        var buffer = new byte[(int)Math.Min(f.Length, max)];
        f.ReadExactly(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer);
    }
}

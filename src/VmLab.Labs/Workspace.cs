using System.Reflection;
using System.Text.Json;
using VmLab.Labs.Grading;
using VmLab.Sim.Kernel;

namespace VmLab.Labs;

/// <summary>A student's lab directory: a small C# project of stubs that builds against the installed
/// VmLab.Sim and VmLab.Linux, and .vmlab/ for the grader's manifest, build output and traces of failing tests.</summary>
public static class Workspace
{
    public const string Project = "Lab.csproj";
    private const string ManifestFile = ".vmlab/workspace.json";

    /// <summary>Exercise names from a list like "fork,exit" or ["fork", "exit"]; all when empty.</summary>
    public static IReadOnlyList<Exercise> Parse(IEnumerable<string> names)
    {
        var list = names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (list.Count == 0) return Catalog.Exercises;
        var unknown = list.FirstOrDefault(n => Catalog.Find(n) is null);
        if (unknown is not null)
            throw new ArgumentException($"unknown exercise '{unknown}' (try: {string.Join(", ", Catalog.Exercises.Select(e => e.Name))})");
        return [.. Catalog.Exercises.Where(e => list.Contains(e.Name))];
    }

    /// <summary>Writes a fresh workspace into a new or empty directory. Never loses a file: a directory that holds a
    /// workspace is refused, and so is any other non-empty one unless <paramref name="force"/> (then only files of
    /// the same names as the workspace's are replaced); the file system's root is refused always.</summary>
    public static IReadOnlyList<string> Init(string dir, IReadOnlyList<Exercise> exercises, bool force = false)
    {
        RefuseToOverwrite(dir, force);
        string simDll = typeof(Kernel).Assembly.Location, linuxDll = typeof(VmLab.Linux.Mapping).Assembly.Location;
        var files = new List<(string Name, string Text)>
        {
            (Project, Template("Lab.csproj.txt").Replace("{{SIM_DLL}}", simDll).Replace("{{LINUX_DLL}}", linuxDll)),
            ("Directory.Build.props", Template("Directory.Build.props.txt")),
        };
        files.AddRange(exercises.Select(e => (e.StubFile, Template(e.StubFile + ".txt"))));
        files.AddRange(exercises.SelectMany(e => e.ExtraFiles).Select(f => (f, Template(f + ".txt"))));
        files.Add(("README.md", Readme(exercises)));
        Directory.CreateDirectory(Path.Combine(dir, ".vmlab"));     // every template was found: now write
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(dir, name), text);
        File.WriteAllText(Path.Combine(dir, ManifestFile), JsonSerializer.Serialize(exercises.Select(e => e.Name).ToArray()));
        return [.. files.Select(f => f.Name)];
    }

    private static void RefuseToOverwrite(string dir, bool force)
    {
        if (dir.Length == 0)
            throw new ArgumentException("the workspace directory name is empty");
        string full = Path.GetFullPath(dir);
        if (full == Path.GetPathRoot(full))
            throw new ArgumentException($"{full} is the root directory: give a directory for the workspace, like ~/lab1");
        if (File.Exists(full))
            throw new ArgumentException($"{dir} is a file, not a directory");
        if (File.Exists(Path.Combine(dir, Project)))
            throw new ArgumentException($"{dir} already holds a lab workspace ({Project}); pick another directory");
        if (!Directory.Exists(full) || force)
            return;
        var present = Directory.EnumerateFileSystemEntries(full).Take(4).Select(Path.GetFileName).ToList();
        if (present.Count > 0)
            throw new ArgumentException($"{dir} is not empty ({string.Join(", ", present.Take(3))}{(present.Count > 3 ? ", …" : "")}): " +
                                        "give a new or empty directory, or --force to write the workspace's files over any of the same name");
    }

    /// <summary>The exercises a workspace was made with.</summary>
    public static IReadOnlyList<Exercise> Exercises(string dir)
    {
        string path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(Path.Combine(dir, Project)) || !File.Exists(path))
            throw new ArgumentException($"{dir} is not a lab workspace (make one with 'vmlab lab init {dir}')");
        string[] names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)) ?? [];
        return [.. names.Select(Catalog.Find).OfType<Exercise>()];
    }

    /// <summary>dotnet build of the workspace into .vmlab/bin. Returns the assembly, or the first errors.</summary>
    public static (string? Assembly, string? Error) Build(string dir, TimeSpan limit)
    {
        string output = Path.Combine(Path.GetFullPath(dir), ".vmlab", "bin");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var r = ChildProcess.Run(dotnet, ["build", Path.Combine(Path.GetFullPath(dir), Project), "-o", output, "-nologo", "-v:q",
            "--disable-build-servers", "-clp:NoSummary"], limit, dir,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        if (r.TimedOut) return (null, $"the build took longer than {limit.TotalSeconds:0} s");
        if (r.ExitCode != 0)
        {
            var errors = r.Out.Split('\n').Where(l => l.Contains(": error ")).Select(Shorten).Distinct().Take(3).ToList();
            return (null, errors.Count > 0 ? string.Join("; ", errors) : $"dotnet build exited with {r.ExitCode}: {r.Err.Trim()}");
        }
        string dll = Path.Combine(output, "Lab.dll");
        return File.Exists(dll) ? (dll, null) : (null, $"the build made no {dll}");
    }

    /// <summary>make in the workspace (the C exercise). Returns the built library, or make's first errors.</summary>
    public static (string? Library, string? Error) Make(string dir, TimeSpan limit)
    {
        string full = Path.GetFullPath(dir);
        var r = ChildProcess.Run("make", ["-C", full, "libetsbefriends.so"], limit, full);
        if (r.TimedOut) return (null, $"make took longer than {limit.TotalSeconds:0} s");
        if (r.ExitCode != 0)
        {
            var errors = (r.Err + r.Out).Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).Take(3).ToList();
            return (null, errors.Count > 0 ? string.Join("; ", errors) : $"make exited with {r.ExitCode}");
        }
        string lib = Path.Combine(full, "libetsbefriends.so");
        return File.Exists(lib) ? (lib, null) : (null, "make built no libetsbefriends.so");
    }

    // "/home/s/lab/Fork.cs(12,5): error CS1002: ; expected [/home/s/lab/Lab.csproj]" -> "Fork.cs(12,5): error CS1002: ; expected"
    private static string Shorten(string line)
    {
        line = line.Trim();
        int bracket = line.LastIndexOf(" [", StringComparison.Ordinal);
        if (bracket > 0) line = line[..bracket];
        int paren = line.IndexOf('(');
        int slash = paren > 0 ? line.LastIndexOf('/', paren) : -1;
        return slash >= 0 ? line[(slash + 1)..] : line;
    }

    internal static string Template(string name)
    {
        using var s = typeof(Workspace).Assembly.GetManifestResourceStream("Templates/" + name)
                      ?? throw new InvalidOperationException($"template {name} is missing from the tool");
        return new StreamReader(s).ReadToEnd();
    }

    private static string Readme(IReadOnlyList<Exercise> exercises)
    {
        var rows = string.Join("\n", exercises.Select(e =>
            $"| {e.Name} | seed {e.Seed} {e.Part} | {e.StubFile} | {e.Summary} | {e.Points} |"));
        var tests = string.Join("\n", exercises.SelectMany(e => e.Tests).Select(t => $"- `{t.Name}` ({t.Points} pts): {t.Checks}"));
        return Template("README.md.txt").Replace("{{EXERCISES}}", rows).Replace("{{TESTS}}", tests);
    }
}

using System.Text.Json;
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
        // --force replaces files of the same names, never writes through one: a symbolic link (to a file outside
        // the workspace, or dangling) or anything but a regular file there stops the init before it writes a byte
        foreach (string name in (string[])[".vmlab", ManifestFile, .. files.Select(f => f.Name)])
        {
            string path = Path.Combine(dir, name);
            bool folder = name == ".vmlab";
            if (new FileInfo(path).LinkTarget is not null)
                throw new ArgumentException($"{Path.Combine(dir, name)} is a symbolic link: lab init writes its own files there, never through a link; remove it or pick another directory");
            if (Path.Exists(path) && (folder ? !Directory.Exists(path) : Directory.Exists(path) || OperatingSystem.IsLinux() && VmLab.Linux.FileKinds.Of(path) != VmLab.Linux.FileKind.Regular))
                throw new ArgumentException($"{Path.Combine(dir, name)} is not a {(folder ? "directory" : "regular file")}: lab init would write one there; remove it or pick another directory");
        }
        Directory.CreateDirectory(Path.Combine(dir, ".vmlab"));     // every template was found: now write
        foreach (var (name, text) in files) Replace(Path.Combine(dir, name), text);
        Replace(Path.Combine(dir, ManifestFile), JsonSerializer.Serialize(exercises.Select(e => e.Name).ToArray()));
        return [.. files.Select(f => f.Name)];
    }

    // Each file is written beside its place and renamed into it: a full disk leaves the old file whole (the
    // temporary one goes), and a hard link there is replaced by a file of its own, not written through (the other
    // names of that file, outside the workspace, keep their text).
    private static void Replace(string path, string text)
    {
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
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
        // the manifest is the student's file like the rest: a FIFO would hang the read, a huge file fill memory
        if (OperatingSystem.IsLinux() && VmLab.Linux.FileKinds.Of(path) != VmLab.Linux.FileKind.Regular || new FileInfo(path).Length > 64 * 1024)
            throw new ArgumentException($"{ManifestFile} in {dir} is not a small regular file: 'vmlab lab init' writes it as a list of exercise names");
        string[]? names;
        try
        {
            names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            names = null;
        }
        if (names is null || names.Length == 0 || names.Any(n => n is null))
            throw new ArgumentException($"{ManifestFile} in {dir} is not a list of exercise names (such as [\"fork\", \"exit\"]): fix it, or grade with --exercises NAME,NAME");
        if (names.FirstOrDefault(n => Catalog.Find(n) is null) is { } unknown)
            throw new ArgumentException($"{ManifestFile} in {dir} names no exercise '{unknown}' (see 'vmlab lab list'): fix it, or grade with --exercises NAME,NAME");
        return [.. names.Select(Catalog.Find).OfType<Exercise>().Distinct()];
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

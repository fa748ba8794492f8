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

    /// <summary>Writes a fresh workspace; refuses a directory that already holds one (student work is never overwritten).</summary>
    public static IReadOnlyList<string> Init(string dir, IReadOnlyList<Exercise> exercises)
    {
        if (File.Exists(Path.Combine(dir, Project)))
            throw new ArgumentException($"{dir} already holds a lab workspace ({Project}); pick another directory");
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

    /// <summary>The exercises a workspace was made with.</summary>
    public static IReadOnlyList<Exercise> Exercises(string dir)
    {
        string path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(Path.Combine(dir, Project)) || !File.Exists(path))
            throw new ArgumentException($"{dir} is not a lab workspace (make one with 'vmlab lab init {dir}')");
        string[] names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)) ?? [];
        return [.. names.Select(Catalog.Find).OfType<Exercise>()];
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

using System.Text.RegularExpressions;

namespace VmLab.Labs.Tests;

/// <summary>
/// One student file in the stub format `lab init` writes (Students/Wrong or Students/Cheat, by exercise) and what
/// grading it must show: its first lines say "expect: FILTER | REASON" (FILTER a test, or an exercise for all of
/// its tests; every selected test must fail, its reason containing REASON), optionally "| timeout=SECONDS".
/// </summary>
public sealed partial record StudentFile(string Kind, string Exercise, string Name, string Path, IReadOnlyList<StudentFile.Expect> Expects)
{
    public sealed record Expect(string Filter, string Reason, int? TimeoutSeconds);

    public Exercise ExerciseInfo => Catalog.Find(Exercise)!;

    /// <summary>The file's text as the student wrote it ({{REPO}} becomes this checkout's root).</summary>
    public string Text => File.ReadAllText(Path).Replace("{{REPO}}", RepoRoot);

    public override string ToString() => $"{Exercise}/{Name}";

    public static IReadOnlyList<StudentFile> All(string kind)
    {
        string root = System.IO.Path.Combine(AppContext.BaseDirectory, "Students", kind);
        return [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal).SelectMany(dir =>
            Directory.GetFiles(dir, "*.txt").Order(StringComparer.Ordinal).Select(path => new StudentFile(kind, System.IO.Path.GetFileName(dir),
                System.IO.Path.GetFileName(path).Split('.')[0], path,
                [.. ExpectLine().Matches(File.ReadAllText(path)).Select(m => new Expect(m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim(),
                    m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : null))])))];
    }

    /// <summary>The checkout this test assembly was built from (the directory holding VmLab.slnx).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
            return "/nonexistent";
        }
    }

    [GeneratedRegex(@"expect: ([^|\n]+)\|([^|\n]*?)(?:\| timeout=(\d+))?\s*(?:\*/)?\s*$", RegexOptions.Multiline)]
    private static partial Regex ExpectLine();
}

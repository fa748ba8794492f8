using System.Collections.Concurrent;
using VmLab.Labs.Build;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>
/// Every workspace the grader tests need, built with one dotnet build and graded up front, two tests at a time:
/// a finished workspace, an untouched one, one with a syntax error, every wrong solution and cheat (packed into
/// workspaces of one file per exercise), a workspace holding VmLab's finished C library and a Makefile that would
/// use it, and one whose manifest was edited down to one exercise. Building ~12 workspaces in one dotnet build
/// costs about as much as 3 separate builds.
/// </summary>
public sealed class StudentWork : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-students-").FullName;
    private readonly Dictionary<string, WorkspaceBuild> _builds = [];
    private readonly ConcurrentDictionary<string, GradeReport> _reports = new();

    public static readonly IReadOnlyList<StudentFile> Wrong = StudentFile.All("Wrong");
    public static readonly IReadOnlyList<StudentFile> Cheats = StudentFile.All("Cheat");

    /// <summary>Correct solutions written another way than Solution/'s: each must score its exercise's full marks.</summary>
    public static readonly IReadOnlyList<StudentFile> Right = StudentFile.All("Right");

    /// <summary>Which workspace each student file went into.</summary>
    public Dictionary<StudentFile, string> Home { get; } = [];

    /// <summary>When the building and grading began.</summary>
    public DateTime Started { get; } = DateTime.UtcNow;

    public StudentWork()
    {
        var workspaces = new List<(string Name, IReadOnlyList<Exercise> Exercises)>();
        string Make(string name, Action<string> fill, IReadOnlyList<Exercise>? manifest = null)
        {
            string dir = Path.Combine(_root, name);
            Workspace.Init(dir, manifest ?? Catalog.Exercises);
            fill(dir);
            workspaces.Add((name, Catalog.Exercises));
            return dir;
        }
        Make("solved", dir =>
        {
            foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Solution"), "*.txt"))
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)[..^4]), overwrite: true);
        });
        Make("fresh", _ => { });
        Make("broken", dir =>
        {
            File.AppendAllText(Path.Combine(dir, "Fork.cs"), "\nclass Broken { int x = }\n");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Solution", "Exit.cs.txt"), Path.Combine(dir, "Exit.cs"), overwrite: true);
        });
        Make("finished-library", dir =>
        {
            // The tool's own finished library next to the untouched stub, and a Makefile that would use it.
            File.Copy(VmLab.Linux.Friendly.LibraryPath, Path.Combine(dir, "libetsbefriends.so"));
            File.WriteAllText(Path.Combine(dir, "Makefile"), $"libetsbefriends.so:\n\ttouch {dir}/makefile-ran\n\tcp {VmLab.Linux.Friendly.LibraryPath} $@\n");
            File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"),
                $"<Project><Target Name=\"Cheat\" BeforeTargets=\"Build\"><Exec Command=\"touch {dir}/targets-ran\" /></Target></Project>\n");
        });
        Make("manifest-edited", dir =>
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Solution", "Remap.cs.txt"), Path.Combine(dir, "Remap.cs"), overwrite: true);
            File.WriteAllText(Path.Combine(dir, ".vmlab", "workspace.json"), "[\"bigdata\"]");
        });
        Make("inspecting", dir => File.Copy(Path.Combine(AppContext.BaseDirectory, "Students", "InspectingFriendly.c.txt"), Path.Combine(dir, "libetsbefriends.c"), overwrite: true));
        Pack("wrong", Wrong, Make);
        Pack("cheat", Cheats, Make);
        Pack("right", Right, Make);
        var built = WorkspaceBuild.CreateMany([.. workspaces.Select(w => (Path.Combine(_root, w.Name), w.Exercises))]);
        for (int i = 0; i < workspaces.Count; i++) _builds[workspaces[i].Name] = built[i];
        var jobs = new List<(string Key, string Workspace, string? Filter, IReadOnlyList<Exercise>? Exercises, int Timeout)>
        {
            ("reference", "", null, null, 60),
            ("solved", "solved", null, null, 60),
            ("fresh", "fresh", null, null, 60),
            ("broken", "broken", null, [Catalog.Find("fork")!, Catalog.Find("exit")!], 60),
            ("finished-library", "finished-library", "friendly", null, 60),
            ("manifest-edited", "manifest-edited", null, [Catalog.Find("bigdata")!, Catalog.Find("exit")!], 60),
            ("inspecting", "inspecting", "friendly_null", null, 60),
        };
        foreach (var (file, home) in Home)
            foreach (var e in file.Kind == "Right" ? [new StudentFile.Expect(file.Exercise, "", null)] : file.Expects)
                jobs.Add((Key(file, e), home, e.Filter, null, e.TimeoutSeconds ?? 60));
        Parallel.ForEach(jobs.DistinctBy(j => j.Key), new ParallelOptions { MaxDegreeOfParallelism = 2 }, j =>
            _reports[j.Key] = Grader.Grade(new GradeOptions
            {
                Build = j.Workspace.Length == 0 ? null : _builds[j.Workspace],
                Filter = j.Filter,
                Exercises = j.Exercises ?? Catalog.Exercises,
                TestTimeout = TimeSpan.FromSeconds(j.Timeout),
            }));
    }

    // Wrong solutions and cheats into as few workspaces as hold one file per exercise each.
    private void Pack(string prefix, IReadOnlyList<StudentFile> files, Func<string, Action<string>, IReadOnlyList<Exercise>?, string> make)
    {
        var left = files.ToList();
        for (int n = 0; left.Count > 0; n++)
        {
            var batch = left.GroupBy(f => f.Exercise).Select(g => g.First()).ToList();
            string name = $"{prefix}{n}";
            make(name, dir =>
            {
                foreach (var f in batch) File.WriteAllText(Path.Combine(dir, f.ExerciseInfo.StubFile), f.Text);
            }, null);
            foreach (var f in batch)
            {
                Home[f] = name;
                left.Remove(f);
            }
        }
    }

    private static string Key(StudentFile f, StudentFile.Expect e) => $"{f}:{e.Filter}";

    public GradeReport Report(string key) => _reports[key];

    public GradeReport Report(StudentFile f, StudentFile.Expect e) => _reports[Key(f, e)];

    /// <summary>The grading of a correct solution's exercise.</summary>
    public GradeReport Report(StudentFile right) => _reports[Key(right, new StudentFile.Expect(right.Exercise, "", null))];

    public WorkspaceBuild Build(string workspace) => _builds[workspace];

    public string Dir(string workspace) => Path.Combine(_root, workspace);

    public void Dispose()
    {
        foreach (var b in _builds.Values) b.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

[CollectionDefinition("students")]
public sealed class StudentsCollection : ICollectionFixture<StudentWork>;

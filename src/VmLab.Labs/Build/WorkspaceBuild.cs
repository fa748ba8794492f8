using VmLab.Labs.Grading;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Build;

/// <summary>
/// The pristine build of a workspace: the files the student writes for each exercise (the stub files `lab list`
/// names) copied into a project the grader owns, in a temporary directory it removes on Dispose, and built with
/// the grader's rules (<see cref="CSharpBuild"/>, <see cref="CBuild"/>). Nothing else in the workspace (its
/// csproj, Directory.Build.*, Makefile, targets) takes part. <see cref="Seams"/> gives a kernel the student's
/// seams where they built and the reference elsewhere.
/// </summary>
public sealed class WorkspaceBuild : IDisposable
{
    private readonly Dictionary<string, string> _errors;

    private WorkspaceBuild(string workspace, IReadOnlyList<Exercise> exercises, string root, Dictionary<string, string> errors,
        IReadOnlyList<string> copied, IReadOnlyList<string> ignored)
    {
        Workspace = workspace;
        Exercises = exercises;
        Root = root;
        _errors = errors;
        Copied = copied;
        Ignored = ignored;
    }

    /// <summary>The student's directory (read, never written).</summary>
    public string Workspace { get; }

    /// <summary>The exercises built, in catalog order.</summary>
    public IReadOnlyList<Exercise> Exercises { get; }

    /// <summary>The grader-owned directory holding the projects and their outputs; gone after Dispose.</summary>
    public string Root { get; }

    /// <summary>The built C# assembly (Lab.dll) holding every C# exercise that built; null when none did.</summary>
    public string? Assembly { get; private set; }

    /// <summary>The built libetsbefriends.so, when the C exercise is among them and built.</summary>
    public string? Library { get; private set; }

    /// <summary>The workspace files that went into the build (the stub files present).</summary>
    public IReadOnlyList<string> Copied { get; }

    /// <summary>Other files of the workspace that took no part (its project, build settings, Makefile, sources).</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Why an exercise did not build ("Fork.cs(12,5): error CS1002: ; expected"), or null when it did.</summary>
    public string? ErrorFor(Exercise e) => _errors.GetValueOrDefault(e.Name);

    /// <summary>True when the exercise's file was there and built: the student's code is what gets graded.</summary>
    public bool Built(Exercise e) => Exercises.Contains(e) && !_errors.ContainsKey(e.Name);

    /// <summary>The kernel exercises whose seams come from the student.</summary>
    public IReadOnlyList<Exercise> StudentSeams => [.. Exercises.Where(e => e.Seam is not null && Built(e) && e.Plug is not null)];

    /// <summary>One sentence for the grade's output: what was built, and what took no part.</summary>
    public string Summary =>
        $"pristine build: {(Copied.Count == 0 ? "no exercise files" : string.Join(", ", Copied))} in the grader's own project"
        + (Exercises.Any(e => e.IsC) ? $" (C: cc {string.Join(' ', CBuild.Flags)})" : "")
        + (Ignored.Count > 0 ? $"; {string.Join(", ", Ignored.Take(6))}{(Ignored.Count > 6 ? ", ..." : "")} took no part" : "");

    /// <summary>
    /// Loads the built assembly into this process and returns the reference kernel's seams with each built
    /// exercise's seam replaced by the student's (their exceptions said as theirs, see <see cref="SeamGuard"/>).
    /// </summary>
    public KernelSeams Seams()
    {
        var seams = KernelSeams.Reference;
        if (Assembly is null) return seams;
        var loaded = System.Reflection.Assembly.LoadFrom(Assembly);
        foreach (var e in StudentSeams)
            seams = e.With(seams, StudentCode.Create(loaded, e));
        return seams;
    }

    /// <summary>Builds one workspace's exercises (all of the workspace's own when null).</summary>
    public static WorkspaceBuild Create(string workspace, IReadOnlyList<Exercise>? exercises = null, BuildLimits? limits = null) =>
        CreateMany([(workspace, exercises ?? Labs.Workspace.Exercises(workspace))], limits)[0];

    /// <summary>Builds several workspaces with one dotnet build (each still in a project of its own).</summary>
    public static IReadOnlyList<WorkspaceBuild> CreateMany(IReadOnlyList<(string Workspace, IReadOnlyList<Exercise> Exercises)> list, BuildLimits? limits = null)
    {
        limits ??= BuildLimits.Default;
        string root = Directory.CreateTempSubdirectory("vmlab-build-").FullName;
        Grading.Interruption.Own(root);
        try
        {
            var builds = list.Select((w, i) => Prepare(Path.GetFullPath(w.Workspace), [.. Catalog.Exercises.Where(w.Exercises.Contains)], Path.Combine(root, $"w{i}"))).ToList();
            var units = builds.Select(b => new CsUnit(Path.Combine(b.Root, "cs"), [.. b.Exercises.Where(e => !e.IsC && b.Built(e)).Select(e => (e, b._sources[e.Name]))])).ToList();
            var withCode = units.Where(u => u.Files.Count > 0).ToList();
            var c = Task.Run(() => BuildC(builds, limits));      // the C exercise builds while dotnet does
            var results = withCode.Count > 0 ? CSharpBuild.Build(withCode, root, limits) : [];
            c.GetAwaiter().GetResult();
            for (int i = 0; i < withCode.Count; i++)
            {
                var b = builds[units.IndexOf(withCode[i])];
                b.Assembly = results[i].Assembly;
                foreach (var (exercise, error) in results[i].Errors) b._errors[exercise] = error;
            }
            foreach (string solution in Directory.GetFiles(root, "*.slnx")) File.Delete(solution);
            return builds;
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            Grading.Interruption.Forget(root);
            throw;
        }
    }

    private static void BuildC(IEnumerable<WorkspaceBuild> builds, BuildLimits limits)
    {
        foreach (var b in builds.Where(b => b.Exercises.Any(e => e.IsC && b.Built(e))))
        {
            var c = b.Exercises.First(e => e.IsC);
            (b.Library, string? error) = CBuild.Build(b._sources[c.Name], Path.Combine(b.Root, "c"), limits);
            if (error is not null) b._errors[c.Name] = error;
        }
    }

    // The copy list, and a missing stub file recorded as that exercise's error before anything builds.
    private static WorkspaceBuild Prepare(string workspace, IReadOnlyList<Exercise> exercises, string root)
    {
        if (!Directory.Exists(workspace)) throw new ArgumentException($"{workspace} is not a directory");
        Directory.CreateDirectory(root);
        var errors = new Dictionary<string, string>();
        var sources = new Dictionary<string, string>();
        foreach (var e in exercises)
        {
            var (path, problem) = Locate(workspace, e.StubFile);
            if (path is not null) sources[e.Name] = path;
            else errors[e.Name] = problem ?? $"{e.StubFile} is missing from the workspace (the grader builds {e.StubFile} for {e.Name})";
        }
        var copied = sources.Values.Select(p => Path.GetRelativePath(workspace, p)).ToList();
        var ignored = Directory.EnumerateFileSystemEntries(workspace).Select(Path.GetFileName).OfType<string>()
            .Where(f => !copied.Any(c => c == f || c.StartsWith(f + "/", StringComparison.Ordinal)) && !Catalog.Exercises.Any(e => e.StubFile == f)
                        && f is not ".vmlab" and not "README.md" and not "bin" and not "obj")
            .Order(StringComparer.Ordinal).ToList();
        return new WorkspaceBuild(workspace, exercises, root, errors, copied, ignored) { _sources = sources };
    }

    // The stub file at the top of the workspace, or else the one file of that name below it (a submission
    // unpacked from a zip that holds a folder), never inside build output. Only a regular file counts, and no
    // symbolic link is followed (a file or folder linked from elsewhere would grade, or print in a compiler
    // error, a file that is not the student's; a FIFO would hang the copy): such a file is the exercise's error.
    private static (string? Path, string? Problem) Locate(string workspace, string file)
    {
        string top = Path.Combine(workspace, file);
        if (Path.Exists(top) || new FileInfo(top).LinkTarget is not null) return Regular(workspace, top);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true, MaxRecursionDepth = 4, IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint,
        };
        var found = Directory.EnumerateFileSystemEntries(workspace, file, options)
            .Where(p => !Path.GetRelativePath(workspace, p).Split('/').Any(d => d is "bin" or "obj" or ".vmlab")).Take(2).ToList();
        return found.Count == 1 ? Regular(workspace, found[0]) : (null, null);
    }

    private static (string? Path, string? Problem) Regular(string workspace, string path)
    {
        string shown = Path.GetRelativePath(workspace, path);
        if (new FileInfo(path).LinkTarget is not null)
            return (null, $"{shown} is a symbolic link: the grader builds the workspace's own regular files only");
        VmLab.Linux.FileKind kind;
        try
        {
            kind = OperatingSystem.IsLinux() ? VmLab.Linux.FileKinds.Of(path) : File.Exists(path) ? VmLab.Linux.FileKind.Regular : VmLab.Linux.FileKind.Other;
        }
        catch (VmLab.Linux.LinuxException e)
        {
            return (null, $"{shown} cannot be read ({e.Message})");
        }
        return kind == VmLab.Linux.FileKind.Regular ? (path, null)
            : (null, $"{shown} is {VmLab.Linux.FileKinds.Describe(kind)}, not a regular file: the grader builds the workspace's own regular files only");
    }

    private Dictionary<string, string> _sources = [];

    /// <summary>Removes the grader-owned directory (and the one CreateMany made for all, once it is empty).</summary>
    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        string shared = Path.GetDirectoryName(Root)!;
        if (Directory.Exists(shared) && !Directory.EnumerateFileSystemEntries(shared).Any())
        {
            Directory.Delete(shared);
            Grading.Interruption.Forget(shared);
        }
    }
}

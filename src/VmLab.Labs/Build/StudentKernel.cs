using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using VmLab.Labs.Grading;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Labs.Build;

/// <summary>
/// A student's kernel seams for the simulator's own runs (<c>sim run --workspace</c>, <c>sim memory --workspace</c>,
/// <c>web --workspace</c>): the seams written in a workspace, built exactly as the grader builds them
/// (<see cref="WorkspaceBuild"/>: only the stub files, in the grader's project, banned APIs refused), loaded into a
/// collectible context of their own, every call guarded as in grading. A seam whose file is still the untouched
/// stub is left to the reference, so a student who wrote fork alone sees fork run. An exception from the
/// student's code, or a contract the grader checks and their seam broke, is a kernel panic in the grader's words
/// ("fork: your code threw NullReferenceException at Fork.cs:14: ...").
/// </summary>
public static partial class StudentKernel
{
    /// <summary>
    /// Builds the kernel seams of <paramref name="workspace"/> and returns them as an overlay for scenarios. Throws
    /// <see cref="ArgumentException"/>, one line, for a workspace that is missing, holds no kernel exercise, or does
    /// not build (the compiler's first error), or whose code has no single class implementing a seam.
    /// </summary>
    /// <remarks>With <paramref name="callLimit"/> every call into the student's code runs on a thread of its own and a
    /// call that has not returned by then panics the kernel ("fork: your code did not return within 10 s"): a server
    /// (<c>web --workspace</c>) goes on serving, with that thread left spinning. Without it calls run inline (a
    /// command bounds its whole run instead).</remarks>
    public static SeamOverlay Build(string workspace, BuildLimits? limits = null, TimeSpan? callLimit = null)
    {
        using var build = Prepare(workspace, limits);
        return build.Assembly is { } dll ? Load(build.Source, build.Exercises, dll, callLimit) : new SeamOverlay(workspace, [], s => s);
    }

    /// <summary>
    /// Builds the kernel seams of <paramref name="workspace"/> and keeps the build (for a child process to load: see
    /// <see cref="SeamHost"/>); nothing of the student's runs here. Throws <see cref="ArgumentException"/> as
    /// <see cref="Build"/> does for a workspace that is missing, holds no kernel exercise or does not build.
    /// </summary>
    public static StudentBuild Prepare(string workspace, BuildLimits? limits = null)
    {
        if (!Directory.Exists(workspace)) throw new ArgumentException($"{workspace} is not a directory");
        var written = Written(workspace);
        if (written.Count == 0) return new StudentBuild(workspace, [], null, null);
        var build = WorkspaceBuild.Create(workspace, written, limits);
        try
        {
            foreach (var e in written)
                if (build.ErrorFor(e) is { } error)
                    throw new ArgumentException($"{e.StubFile} does not build: {FirstError(error)}");
            if (build.Assembly is not { } dll) throw new ArgumentException($"{string.Join(", ", written.Select(e => e.StubFile))} built nothing to load");
            return new StudentBuild(workspace, written, dll, build);
        }
        catch
        {
            build.Dispose();
            throw;
        }
    }

    /// <summary>Loads a built assembly's seams for <paramref name="exercises"/> into this process, as an overlay
    /// every kernel boots with. Throws <see cref="ArgumentException"/> when the code has no single class implementing
    /// a seam (its constructor runs here: call it only where the student's code may run).</summary>
    public static SeamOverlay Load(string source, IReadOnlyList<Exercise> exercises, string dll, TimeSpan? callLimit = null)
    {
        var assembly = Load(dll);
        foreach (var e in exercises) Guard(() => StudentCode.Create(assembly, e));     // refuse now, not at the first call
        return new SeamOverlay(source, [.. exercises.Select(e => e.Name)], seams =>
        {
            foreach (var e in exercises)
                seams = e.With(seams, StudentCode.Create(assembly, e), guarded => Panicking.Wrap(e, guarded, callLimit));
            return seams;
        });
    }

    /// <summary>The kernel exercises of <paramref name="workspace"/> (its manifest's, or every one whose stub file is
    /// there when it has none) whose file is no longer the stub as `lab init` wrote it.</summary>
    public static IReadOnlyList<Exercise> Written(string workspace)
    {
        IReadOnlyList<Exercise> exercises;
        try
        {
            exercises = Labs.Workspace.Exercises(workspace);
        }
        catch (ArgumentException)
        {
            exercises = [.. Catalog.Exercises.Where(e => File.Exists(Path.Combine(workspace, e.StubFile)))];
            if (exercises.Count == 0)
                throw new ArgumentException($"{workspace} holds no exercise files (make a workspace with 'vmlab lab init {workspace}')");
        }
        return [.. exercises.Where(e => e.Seam is not null && e.Plug is not null && !Untouched(workspace, e))];
    }

    private static bool Untouched(string workspace, Exercise e)
    {
        string path = Path.Combine(workspace, e.StubFile);
        if (!File.Exists(path)) return false;       // elsewhere in the tree: the build finds it, or says it is missing
        static string Plain(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
        return new FileInfo(path).Length < 1 << 20 && Plain(File.ReadAllText(path)) == Plain(Labs.Workspace.Template(e.StubFile + ".txt"));
    }

    // "Fork.cs(12,5): error CS1002: ; expected; Fork.cs(14,1): error ..." -> its first error.
    private static string FirstError(string errors) => NextError().Split(errors, 2)[0];

    [GeneratedRegex(@"; (?=[\w.-]+\.cs\(\d+,\d+\): error )")]
    private static partial Regex NextError();

    // The bytes, not the path: the grader's directory is gone once the build is disposed, and the symbols come along
    // so the student's exceptions keep their line numbers.
    private static Assembly Load(string dll)
    {
        var context = new AssemblyLoadContext($"vmlab-student-{Guid.NewGuid():N}", isCollectible: true);
        using var code = File.OpenRead(dll);
        string pdb = Path.ChangeExtension(dll, ".pdb");
        using var symbols = File.Exists(pdb) ? File.OpenRead(pdb) : null;
        return context.LoadFromStream(code, symbols);
    }

    private static void Guard(Action create)
    {
        try
        {
            create();
        }
        catch (GradeFailure e)
        {
            throw new ArgumentException(e.Message);
        }
    }
}

/// <summary>
/// Between the kernel and a guarded student seam: what the grader would record as a failed test (a
/// <see cref="GradeFailure"/>) becomes what a kernel does with a broken function, a panic the kernel catches and
/// reports ("fork: ..."), instead of an exception escaping the simulator.
/// </summary>
internal class Panicking : DispatchProxy
{
    [ThreadStatic] private static bool t_worker;     // already inside a student's call: nested calls run inline
    private object _seam = null!;
    private string _name = "";
    private TimeSpan? _limit;

    internal static object Wrap(Exercise e, object guarded, TimeSpan? limit)
    {
        var proxy = (Panicking)Create(e.Seam!, typeof(Panicking));
        (proxy._seam, proxy._name, proxy._limit) = (guarded, e.Name, limit);
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        string? before = SeamMarker.Enter(_name);
        try
        {
            return _limit is not { } limit || t_worker ? Call(targetMethod!, args) : CallLimited(targetMethod!, args, limit);
        }
        finally
        {
            SeamMarker.Leave(before);
        }
    }

    private object? CallLimited(MethodInfo targetMethod, object?[]? args, TimeSpan limit)
    {
        var call = Task.Factory.StartNew(() =>
        {
            t_worker = true;
            return Call(targetMethod, args);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool done;
        try
        {
            done = call.Wait(limit);
        }
        catch (AggregateException)
        {
            done = true;
        }
        if (!done) throw new InvalidOperationException($"{_name}: your code did not return within {limit.TotalSeconds:0.#} s (an endless loop?): the machine stops here");
        return call.GetAwaiter().GetResult();
    }

    private object? Call(MethodInfo targetMethod, object?[]? args)
    {
        try
        {
            return targetMethod.Invoke(_seam, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is GradeFailure failure)
        {
            // What their code allocated is garbage now: give it back, or the kernel cannot even report the panic.
            if (failure.Message.Contains(nameof(OutOfMemoryException), StringComparison.Ordinal)) GC.Collect();
            throw new InvalidOperationException($"{_name}: {failure.Message}");
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }
}

/// <summary>A workspace's built seams, kept on disk until disposed (a child process loads them from there).</summary>
public sealed class StudentBuild(string source, IReadOnlyList<Exercise> exercises, string? assembly, WorkspaceBuild? build) : IDisposable
{
    /// <summary>The workspace, as the user named it.</summary>
    public string Source { get; } = source;

    /// <summary>The exercises whose seams are the student's; empty when every seam is still the stub.</summary>
    public IReadOnlyList<Exercise> Exercises { get; } = exercises;

    /// <summary>The built Lab.dll; null when there is nothing of the student's to run.</summary>
    public string? Assembly { get; } = assembly;

    /// <summary>The seams' names ("fork", "exit"), in catalog order.</summary>
    public IReadOnlyList<string> Names => [.. Exercises.Select(e => e.Name)];

    public void Dispose() => build?.Dispose();
}

using System.Diagnostics;
using System.Reflection;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Grading;

/// <summary>
/// Around every call into a student's seam: an exception from their code becomes a verdict in their words
/// ("your code threw NullReferenceException at Fork.cs:42", or a kernel panic their call caused), the seam's
/// permission contract is checked on what it returns, and the kernel's own implementations that would answer
/// the exercise refuse to run while the student's code is on the stack (k.Abandon from exit would free with the
/// reference free_everything).
/// </summary>
public sealed class SeamGuard(Exercise exercise)
{
    [ThreadStatic] private static List<Exercise>? t_inside;
    // The same, for the whole process: student code that reached another thread (PLINQ, a callback the runtime
    // queues) while its call runs is student code running all the same.
    private static readonly Dictionary<string, int> s_running = [];

    /// <summary>The exercise whose student code this guard watches.</summary>
    public Exercise Exercise { get; } = exercise;

    /// <summary>Runs a call into the student's code.</summary>
    public T Call<T>(object student, Func<T> call)
    {
        var inside = t_inside ??= [];
        inside.Add(Exercise);
        lock (s_running) s_running[Exercise.Name] = s_running.GetValueOrDefault(Exercise.Name) + 1;
        try
        {
            return call();
        }
        catch (Exception e) when (e is not GradeFailure)
        {
            throw new GradeFailure(Describe(e, student.GetType().Assembly));
        }
        finally
        {
            inside.RemoveAt(inside.Count - 1);
            lock (s_running) s_running[Exercise.Name]--;
        }
    }

    public void Call(object student, Action call) => Call(student, () => { call(); return 0; });

    /// <summary>Refuses when the student's code of an exercise that <paramref name="reference"/> would answer is running.</summary>
    public static void Refuse(string reference, string how, params string[] exercises)
    {
        string? name = t_inside?.LastOrDefault(e => exercises.Contains(e.Name))?.Name;
        if (name is null)
            lock (s_running) name = exercises.FirstOrDefault(e => s_running.GetValueOrDefault(e) > 0);
        if (name is not null)
            throw new GradeFailure($"{name} reached the kernel's own {reference} ({how}): that would answer exercise '{name}' with the reference; {name} must give the frames back itself");
    }

    /// <summary>An exception, said for a student: theirs with the line, or the kernel's with the line of theirs that called it.</summary>
    public static string Describe(Exception e, Assembly? student)
    {
        if (e is TargetInvocationException { InnerException: { } inner }) return Describe(inner, student);
        if (e is GradeFailure or NotImplementedYetException) return e.Message;
        var frames = new StackTrace(e, true).GetFrames();
        bool Theirs(StackFrame f) => f.GetMethod()?.DeclaringType?.Assembly is { } a && (a == student || (student is null && !Ours(a)));
        string at = frames.FirstOrDefault(f => Theirs(f) && f.GetFileName() is not null) is { } line
            ? $" at {Path.GetFileName(line.GetFileName())}:{line.GetFileLineNumber()}" : "";
        var thrower = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Assembly is { } a && !IsFramework(a));
        bool kernel = thrower?.GetMethod()?.DeclaringType?.Assembly is { } ka && Ours(ka);
        if (kernel && e is InvalidOperationException or ArgumentException)
            return $"kernel panic: {e.Message}{(at.Length > 0 ? $" (your code called it{at})" : "")}";
        if (kernel)
            return $"the kernel threw {e.GetType().Name}: {e.Message}{(at.Length > 0 ? $" (your code called it{at})" : "")}";
        return $"your code threw {e.GetType().Name}{at}: {e.Message}";
    }

    private static bool Ours(Assembly a) =>
        a == typeof(Kernel).Assembly || a == typeof(SeamGuard).Assembly || a == typeof(VmLab.Linux.Mapping).Assembly;

    private static bool IsFramework(Assembly a) => a.GetName().Name is { } n && (n.StartsWith("System", StringComparison.Ordinal) || n == "mscorlib" || n == "netstandard");
}

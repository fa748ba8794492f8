using System.Diagnostics;
using System.Reflection;
using VmLab.Linux.Seams;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Grading;

/// <summary>Runs one graded test in this process (the grader's child): the seam under test comes from the
/// student's assembly, or is the reference; everything else is the reference kernel.</summary>
public static class TestHost
{
    /// <summary>What the child reports to the grader.</summary>
    public sealed record Outcome(bool Passed, string Reason, IReadOnlyList<string> Trace);

    public static Outcome Run(string testName, string? assemblyPath, string? typeName, string? library = null)
    {
        var test = Catalog.Tests.FirstOrDefault(t => t.Name == testName);
        if (test is null) return new Outcome(false, $"no test named {testName}", []);
        var exercise = Catalog.Find(test.Exercise)!;
        TestContext? ctx = null;
        try
        {
            object? student = assemblyPath is null || exercise.IsC ? null
                : StudentCode.Create(Assembly.LoadFrom(Path.GetFullPath(assemblyPath)), exercise, typeName);
            bool lazy = exercise.Seam == typeof(ILazyCopy);
            var seams = student is null || lazy ? KernelSeams.Reference : SeamSwap.With(exercise, student);
            ctx = new TestContext(seams)
            {
                Library = exercise.IsC ? library ?? VmLab.Linux.Friendly.LibraryPath : null,
                LazyCopy = lazy ? (ILazyCopy?)student ?? LazyCopySeam.Reference() : null,
            };
            test.Body(ctx);
            return new Outcome(true, ctx.Verdict, []);
        }
        catch (Exception e)
        {
            return new Outcome(false, Reason(e), [Reason(e), .. ctx?.Trace() ?? []]);
        }
    }

    /// <summary>An exception, said for a student: our verdicts as they are, kernel failures as a panic, their
    /// own exceptions with the line that threw.</summary>
    public static string Reason(Exception e) => e switch
    {
        GradeFailure g => g.Message,
        NotImplementedYetException n => n.Message,
        TargetInvocationException { InnerException: { } inner } => Reason(inner),
        InvalidOperationException or ArgumentException => $"kernel panic: {e.Message}{Where(e)}",
        _ => $"your code threw {e.GetType().Name}: {e.Message}{Where(e)}",
    };

    // The first frame in the student's own code that has a file and line.
    private static string Where(Exception e)
    {
        var ours = new[] { typeof(Kernel).Assembly, typeof(TestHost).Assembly, typeof(ILazyCopy).Assembly };
        var frame = new StackTrace(e, true).GetFrames().FirstOrDefault(f =>
            f.GetFileName() is not null && f.GetMethod()?.DeclaringType?.Assembly is { } a && !ours.Contains(a));
        return frame is null ? "" : $" (at {Path.GetFileName(frame.GetFileName())}:{frame.GetFileLineNumber()})";
    }
}

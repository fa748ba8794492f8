using VmLab.Linux;
using VmLab.Linux.Seams;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Grading;

/// <summary>
/// The grader's child: runs one graded test in this process and writes the verdict where the request says.
/// Order matters: the caps are applied before any student code is loaded, and the verdict is written only
/// after the test body has returned, by this code, to a path student code cannot learn.
/// </summary>
public static class TestHost
{
    /// <summary>Runs the request at <paramref name="requestPath"/>; 0 when a verdict was written, 2 for a bad request.</summary>
    public static int Serve(string requestPath)
    {
        var request = Protocol.Read<TestRequest>(requestPath);
        if (request is null || request.Schema != TestRequest.Version) return 2;
        File.Delete(requestPath);                // the key lives on in this process's memory only
        ResourceLimits.DenyInspection();
        var l = request.Limits;
        new ResourceLimits(l.DataBytes, l.CpuSeconds, l.Processes, l.FileBytes).ApplyToSelf();
        TestContext.ProgressPath = request.Progress;
        var (passed, reason, trace) = Run(request.Test, request.Assembly, request.Library);
        // a student's exception message can be megabytes: the verdict stays far below what the grader reads
        (reason, trace) = (Clip(reason), [.. trace.Take(400).Select(Clip)]);
        Protocol.Write(request.Result, new TestVerdict(TestVerdict.Version, request.Test, passed, reason, trace,
            TestVerdict.Sign(request.Key, request.Test, passed, reason)));
        return 0;
    }

    private const int MaxLine = 2000;

    private static string Clip(string text) => text.Length <= MaxLine ? text : $"{text[..MaxLine]}… ({text.Length - MaxLine} more characters)";

    /// <summary>One test with the student's seam from <paramref name="assemblyPath"/> (the reference when null).</summary>
    public static (bool Passed, string Reason, IReadOnlyList<string> Trace) Run(string testName, string? assemblyPath, string? library)
    {
        var test = Catalog.Tests.FirstOrDefault(t => t.Name == testName);
        if (test is null) return (false, $"no test named {testName}", []);
        var exercise = Catalog.Find(test.Exercise)!;
        TestContext? ctx = null;
        try
        {
            object? student = assemblyPath is null || exercise.IsC ? null
                : StudentCode.Create(System.Reflection.Assembly.LoadFrom(Path.GetFullPath(assemblyPath)), exercise);
            bool lazy = exercise.Seam == typeof(ILazyCopy);
            var seams = student is null || lazy ? KernelSeams.Reference : exercise.With(KernelSeams.Reference, student);
            ctx = new TestContext(seams)
            {
                Library = exercise.IsC ? library ?? Friendly.LibraryPath : null,
                LazyCopy = !lazy ? null : student is null ? LazyCopySeam.Reference() : (ILazyCopy)exercise.Guard!(student, new SeamGuard(exercise)),
            };
            test.Body(ctx);
            return (true, ctx.Verdict, []);
        }
        catch (Exception e)
        {
            string reason = SeamGuard.Describe(e, null);
            return (false, reason, [reason, .. ctx?.Trace() ?? []]);
        }
        finally
        {
            foreach (string dir in ctx?.Cleanup ?? []) if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

using VmLab.Sim.Kernel;

namespace VmLab.Labs;

/// <summary>One graded test: a name to filter on, the exercise it grades, its points, what it checks (for
/// instructors and the README), and the body that runs against a kernel built with the student's seam.</summary>
public sealed record GradedTest(string Name, string Exercise, int Points, string Checks, Action<Grading.TestContext> Body);

/// <summary>How one test went, as the grader reports it.</summary>
public sealed record TestResult(string Name, string Exercise, int Points, bool Passed, string Reason, double Seconds);

/// <summary>A whole grading run: xv6's Score: x/y, the tests in order, and a build failure if there was one.</summary>
public sealed record GradeReport(int Score, int MaxScore, IReadOnlyList<TestResult> Tests, string? BuildError)
{
    public bool FullMarks => BuildError is null && Score == MaxScore && MaxScore > 0;
}

/// <summary>A test's verdict, in words a student can act on.</summary>
public sealed class GradeFailure(string reason) : Exception(reason);

/// <summary>The reference seams, so tests can name the piece under test.</summary>
internal static class SeamSwap
{
    /// <summary>The reference kernel with exercise's seam replaced by implementation.</summary>
    public static KernelSeams With(Exercise exercise, object implementation) => implementation switch
    {
        _ when exercise.Seam == typeof(IRemap) => KernelSeams.Reference with { Remap = (IRemap)implementation },
        _ when exercise.Seam == typeof(ICopyMappings) => KernelSeams.Reference with { CopyMappings = (ICopyMappings)implementation },
        _ when exercise.Seam == typeof(IFreeEverything) => KernelSeams.Reference with { FreeEverything = (IFreeEverything)implementation },
        _ when exercise.Seam == typeof(IFork) => KernelSeams.Reference with { Fork = (IFork)implementation },
        _ when exercise.Seam == typeof(IExit) => KernelSeams.Reference with { Exit = (IExit)implementation },
        _ when exercise.Seam == typeof(ISpawn) => KernelSeams.Reference with { Spawn = (ISpawn)implementation },
        _ when exercise.Seam == typeof(IPageAlloc) => KernelSeams.Reference with { PageAlloc = (IPageAlloc)implementation },
        _ when exercise.Seam == typeof(IPipeKernel) => KernelSeams.Reference with { PipeKernel = (IPipeKernel)implementation },
        _ => throw new ArgumentException($"no kernel seam for {exercise.Name}"),
    };
}

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

    /// <summary>What the output says before the tests: how the code was built, what isolates the tests.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>A test's verdict, in words a student can act on.</summary>
public sealed class GradeFailure(string reason) : Exception(reason);

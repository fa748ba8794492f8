namespace VmLab.Labs;

/// <summary>One exercise of a lab: where the handout has it, what the student writes, what it is worth.</summary>
/// <param name="Name">What students type ("copy_mappings").</param>
/// <param name="Seed">The handout, by seed number ("003").</param>
/// <param name="Part">The handout's exercise label ("E1").</param>
/// <param name="Seam">The kernel interface the student implements (ICopyMappings); null for a C exercise.</param>
/// <param name="StubFile">The workspace file holding the stub, and the template it comes from.</param>
public sealed record Exercise(string Name, string Seed, string Part, string Language, string Summary, Type? Seam, string StubFile)
{
    /// <summary>More files the workspace gets with this exercise (a Makefile, a test program).</summary>
    public IReadOnlyList<string> ExtraFiles { get; init; } = [];

    /// <summary>Built with make and graded as a shared library, not loaded into the kernel.</summary>
    public bool IsC => Seam is null;

    /// <summary>The graded tests of this exercise, in order.</summary>
    public IReadOnlyList<GradedTest> Tests => [.. Catalog.Tests.Where(t => t.Exercise == Name)];

    public int Points => Tests.Sum(t => t.Points);
}

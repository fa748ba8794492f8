using VmLab.Labs.Grading;
using VmLab.Sim.Kernel;

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

    /// <summary>Built with the grader's C compiler and graded as a shared library, not loaded into the kernel.</summary>
    public bool IsC => Seam is null;

    /// <summary>The student's implementation wrapped so every call goes through a <see cref="SeamGuard"/>.</summary>
    internal Func<object, SeamGuard, object>? Guard { get; init; }

    /// <summary>Puts an implementation into the kernel's seams (kernel exercises only).</summary>
    internal Func<KernelSeams, object, KernelSeams>? Plug { get; init; }

    /// <summary>Wraps the reference seams that would answer this exercise if its student code called them.</summary>
    internal Func<KernelSeams, KernelSeams>? Fence { get; init; }

    /// <summary>The graded tests of this exercise, in order.</summary>
    public IReadOnlyList<GradedTest> Tests => [.. Catalog.Tests.Where(t => t.Exercise == Name)];

    public int Points => Tests.Sum(t => t.Points);

    /// <summary>The reference seams with the student's implementation of this exercise in place, guarded (and then
    /// wrapped by <paramref name="outer"/>, when given).</summary>
    internal KernelSeams With(KernelSeams seams, object student, Func<object, object>? outer = null)
    {
        var guarded = Guard is null ? student : Guard(student, new SeamGuard(this));
        if (outer is not null) guarded = outer(guarded);
        seams = Plug is null ? seams : Plug(seams, guarded);
        return Fence is null ? seams : Fence(seams);
    }
}

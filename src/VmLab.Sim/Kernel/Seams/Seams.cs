namespace VmLab.Sim.Kernel;

// The student-replaceable pieces of the teaching kernel (seed 003 parts C, E, F, G, H). Each is one short
// function, and each has one file here (CopyMappings.cs, Fork.cs, ...) holding its contract, its reference, its
// teaching variants and its place in KernelSeams. The kernel calls it through KernelSeams, so a lab can plug a
// student's version in place of the reference without the kernel knowing.

/// <summary>The seams a kernel is built with, one property per seam, each declared in its seam's file beside the
/// contract and the implementations. <see cref="Reference"/> is the working kernel.</summary>
public sealed partial record KernelSeams
{
    /// <summary>The working kernel: every seam its reference implementation.</summary>
    public static KernelSeams Reference { get; } = new();
}

/// <summary>The reference copy_mappings, free_everything, exit and C1 remap (one part in each seam's file).</summary>
public sealed partial class ReferenceMemory
{
    /// <summary>The one instance (the class has no state).</summary>
    public static ReferenceMemory Instance { get; } = new();
}

/// <summary>The reference spawn and page_alloc: every argument is checked against the caller's own page
/// table before the kernel acts on it (one part in each seam's file).</summary>
public sealed partial class ReferenceSyscalls
{
    /// <summary>The one instance (the class has no state).</summary>
    public static ReferenceSyscalls Instance { get; } = new();
}

/// <summary>What a lab stub throws until the student writes the function.</summary>
public sealed class NotImplementedYetException(string what) : Exception($"{what}: not implemented yet");

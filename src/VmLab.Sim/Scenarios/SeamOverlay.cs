using VmLab.Sim.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>
/// Seams from outside the simulator (a student's, built by the lab grader) laid over whatever seams a scenario boots
/// with: the scenario picks its kernel (fork --cow picks the copy-on-write fork), then every seam named here is
/// replaced by this overlay's. The simulator never builds or loads code itself; whoever made the overlay did.
/// </summary>
/// <param name="source">Where the seams came from, for people ("/home/ada/lab1").</param>
/// <param name="names">The seams it replaces, by exercise name ("fork", "exit"), in catalog order.</param>
/// <param name="apply">Puts them into a kernel's seams; called once for every kernel a scenario boots.</param>
public sealed class SeamOverlay(string source, IReadOnlyList<string> names, Func<KernelSeams, KernelSeams> apply)
{
    /// <summary>Where the seams came from.</summary>
    public string Source { get; } = source;

    /// <summary>The seams replaced, by exercise name; empty when the overlay leaves the kernel as it is.</summary>
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary><paramref name="seams"/> with this overlay's seams in place.</summary>
    public KernelSeams Apply(KernelSeams seams) => apply(seams);

    /// <summary>"fork" / "fork, exit", or "none".</summary>
    public override string ToString() => Names.Count == 0 ? "none" : string.Join(", ", Names);
}

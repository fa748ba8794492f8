namespace VmLab.Sim.Kernel;

/// <summary>exit's memory half: gives back every frame p owns, its page-table pages included, so that
/// after the last process exits the free-frame count is what it was at boot. The kernel then retires p.</summary>
public interface IExit
{
    /// <summary>Gives back every frame <paramref name="p"/> owns, page-table pages included (the contract above).</summary>
    void FreeProcess(Kernel k, Process p);
}

public sealed partial class ReferenceMemory : IExit
{
    /// <inheritdoc/>
    public void FreeProcess(Kernel k, Process p) => FreeEverything(k, p.PageTable);
}

public sealed partial record KernelSeams
{
    /// <summary>exit's memory half.</summary>
    public IExit Exit { get; init; } = ReferenceMemory.Instance;
}

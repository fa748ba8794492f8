using VmLab.Sim.Viewer;

namespace VmLab.Sim.Kernel;

/// <summary>A rendering of memory at one moment of a run, WeensyOS-style (see <see cref="MemoryViewer"/>).</summary>
public sealed record MemorySnapshot(string Moment, long Instruction, ulong FreeFrames, string Text);

public sealed partial class Kernel
{
    /// <summary>When set, the kernel keeps <see cref="Fullest"/>: memory rendered at each new low of free frames.</summary>
    public bool RecordFullest { get; set; }

    /// <summary>Snapshots use ANSI colours.</summary>
    public bool ViewColor { get; set; }

    /// <summary>Memory when the fewest frames were free so far (only with <see cref="RecordFullest"/>).</summary>
    public MemorySnapshot? Fullest { get; private set; }

    /// <summary>Memory filling up: one snapshot the first time a quarter, a half and three quarters of the frames
    /// free at boot are in use (only with <see cref="RecordFullest"/>).</summary>
    public IReadOnlyList<MemorySnapshot> Filling => _filling;

    private readonly List<MemorySnapshot> _filling = [];

    /// <summary>Physical memory and every live process's virtual memory, rendered now.</summary>
    public MemorySnapshot Snapshot(string moment) =>
        new(moment, Instructions, Frames.FreeFrames, new MemoryViewer(Frames,
            Processes.Select(p => new ViewerProcess(p.Pid, p.Name, p.PageTable)),
            kernelPageTable: null, new ViewerOptions { Color = ViewColor }).Render());

    // Called after every kernel entry. Rendering only on a new low keeps the cost to a few hundred renders
    // even for the allocator, which takes memory one page at a time.
    private void NoteFreeFrames()
    {
        if (Frames.FreeFrames >= MinFreeFrames) return;
        MinFreeFrames = Frames.FreeFrames;
        if (!RecordFullest) return;
        for (int quarters = _filling.Count + 1; quarters <= 3 && FreeFramesAtBoot - MinFreeFrames >= FreeFramesAtBoot * (ulong)quarters / 4; quarters++)
            _filling.Add(Snapshot($"filling up ({quarters}/4 of the {FreeFramesAtBoot} frames free at boot in use)"));
        Fullest = Snapshot($"at its fullest ({MinFreeFrames} frames free)");
    }
}

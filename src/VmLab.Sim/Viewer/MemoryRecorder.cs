using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Viewer;

/// <summary>A rendering of memory at one moment of a run, WeensyOS-style (see <see cref="MemoryViewer"/>).</summary>
public sealed record MemorySnapshot(string Moment, long Instruction, ulong FreeFrames, string Text);

/// <summary>
/// `sim run --view`: memory as a run fills it. Watching a kernel hangs on its kernel-entry hook
/// (<see cref="SimKernel.Entered"/>), so the kernel itself never draws.
/// </summary>
public sealed class MemoryRecorder(bool color)
{
    private readonly List<MemorySnapshot> _filling = [];
    private SimKernel? _kernel;
    private MemorySnapshot? _fullest;
    private ulong _min = ulong.MaxValue;

    /// <summary>Starts watching <paramref name="k"/> from boot; a recorder watches one kernel, the last one given.</summary>
    public void Watch(SimKernel k)
    {
        if (_kernel is not null) _kernel.Entered -= OnEntry;
        _kernel = k;
        _filling.Clear();
        _fullest = null;
        _min = ulong.MaxValue;
        k.Entered += OnEntry;
    }

    /// <summary>
    /// One snapshot the first time a quarter, a half and three quarters of the frames free at boot are in use, memory
    /// at its fullest, and memory now ("at the end"); empty before <see cref="Watch"/>.
    /// </summary>
    public IReadOnlyList<MemorySnapshot> Views =>
        _kernel is null ? [] : [.. _filling, .. new[] { _fullest, Snapshot(_kernel, "at the end", color) }.OfType<MemorySnapshot>()];

    /// <summary>Physical memory and every live process's virtual memory of <paramref name="k"/>, rendered now.</summary>
    public static MemorySnapshot Snapshot(SimKernel k, string moment, bool color) =>
        new(moment, k.Instructions, k.Frames.FreeFrames, new MemoryViewer(k.Frames,
            k.Processes.Select(p => new ViewerProcess(p.Pid, p.Name, p.PageTable)),
            kernelPageTable: null, new ViewerOptions { Color = color }).Render());

    // Rendering only on a new low keeps the cost to a few hundred renders even for the allocator, which takes
    // memory one page at a time.
    private void OnEntry(SimKernel k)
    {
        ulong free = k.Frames.FreeFrames, atBoot = k.FreeFramesAtBoot;
        if (free >= _min) return;
        _min = free;
        for (int quarters = _filling.Count + 1; quarters <= 3 && atBoot - _min >= atBoot * (ulong)quarters / 4; quarters++)
            _filling.Add(Snapshot(k, $"filling up ({quarters}/4 of the {atBoot} frames free at boot in use)", color));
        _fullest = Snapshot(k, $"at its fullest ({_min} frames free)", color);
    }
}

using System.Text.Json;
using BenchmarkDotNet.Attributes;
using VmLab.Sim.Viewer;
using VmLab.Web;

namespace VmLab.Bench;

/// <summary>
/// What one click of Step costs the server in `vmlab web`: one instruction, then the machine snapshot (processes,
/// 512 frames with owners and user mappings, every present page of every process, events, leaks) and its JSON,
/// written to a null stream as the API streams it to the response. Each scenario is measured around the moment
/// its memory is fullest (most frames in use, most pages mapped): the largest snapshot it makes. Every iteration
/// starts from the same step, so the machine does not drift to a smaller, finished state. Target: under 5 ms.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(128)]
public class WebSnapshotBench
{
    private MachineSession _session = null!;
    private long _start;

    [Params("allocator", "forkexit", "spawn", "pipe")]
    public string Scenario { get; set; } = "allocator";

    [GlobalSetup]
    public void Setup()
    {
        _session = new MachineSession(VmLab.Sim.Scenarios.Scenario.Named(Scenario));
        long fullest = 0, fewestFree = long.MaxValue;
        while (!_session.Finished && _session.Step < 5_000_000)
        {
            _session.StepBy(500);
            long free = (long)_session.Kernel.Frames.FreeFrames;
            if (free < fewestFree) (fewestFree, fullest) = (free, _session.Step);
        }
        _start = Math.Max(0, fullest - 128);
    }

    [IterationSetup]
    public void Rewind() => _session.Seek(_start);

    [Benchmark]
    public long StepAndSnapshot()
    {
        _session.StepBy(1);
        var snapshot = _session.Snapshot();
        JsonSerializer.Serialize(Stream.Null, snapshot, WebJson.Options);
        return snapshot.Step;
    }

    [Benchmark]
    public long SnapshotOnly() => _session.Snapshot().Step;
}

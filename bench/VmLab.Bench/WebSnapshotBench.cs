using System.Text.Json;
using BenchmarkDotNet.Attributes;
using VmLab.Sim.Viewer;
using VmLab.Web;

namespace VmLab.Bench;

/// <summary>
/// What one click of Step costs the server in `vmlab web`: one instruction, then the machine snapshot (processes,
/// 512 frames with owners and user mappings, every present page of every process, events, the checker's leak
/// scan) and its JSON. Each scenario is measured where its memory is fullest (most frames in use, most pages
/// mapped), the largest snapshot it makes. The JSON is written to a null stream, as the API streams it to the
/// response. Target: under 5 ms.
/// </summary>
[MemoryDiagnoser]
public class WebSnapshotBench
{
    private MachineSession _session = null!;
    private long _start;

    [Params("allocator", "forkexit", "spawn", "pipe")]
    public string Scenario { get; set; } = "allocator";

    [GlobalSetup]
    public void Setup()
    {
        _session = new MachineSession(Scenario);
        long fullest = 0, fewestFree = long.MaxValue;
        while (!_session.Finished && _session.Step < 5_000_000)
        {
            _session.StepBy(2_000);
            long free = (long)_session.Kernel.Frames.FreeFrames;
            if (free < fewestFree) (fewestFree, fullest) = (free, _session.Step);
        }
        _start = Math.Max(0, fullest - 1);
        _session.Seek(_start);
    }

    [Benchmark]
    public int StepAndSnapshot()
    {
        if (_session.Finished) _session.Seek(_start);
        _session.StepBy(1);
        var snapshot = _session.Snapshot();
        JsonSerializer.Serialize(Stream.Null, snapshot, WebJson.Options);     // as the API streams it to the response
        return snapshot.Frames.Count;
    }
}

using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Cli.Commands.Sim;

/// <summary>
/// <c>sim memory --workspace DIR</c>: memory as your kernel leaves it, drawn at the run's fullest moment. The scenario
/// runs once to the end (judged, checked) to find that moment, then once more to it: runs are deterministic, so the
/// second machine is the first one at that step.
/// </summary>
internal sealed record MemoryOfWorkspace(string Scenario, long Step, ScenarioResult Result, SimKernel Kernel, SeamOverlay Seams)
{
    public static MemoryOfWorkspace Run(Scenario scenario, SeamOverlay seams, TimeSpan timeout)
    {
        long fullestStep = 0;
        ulong fewest = ulong.MaxValue;
        var args = new ScenarioArgs { Seams = seams, Events = true, WallTime = timeout };
        var watched = args with
        {
            Watch = k => k.Entered += kk =>
            {
                if (kk.Frames.FreeFrames < fewest) (fewest, fullestStep) = (kk.Frames.FreeFrames, kk.Instructions);
            },
        };
        return WorkspaceSeams.Bounded(() =>
        {
            var result = scenario.Run(watched);
            var again = scenario.Start(args);
            again.Run(fullestStep);
            return new MemoryOfWorkspace(scenario.Name, again.Instructions, result, again, seams);
        }, timeout, $"scenario {scenario.Name} with your seams");
    }

    public IReadOnlyList<ViewerProcess> Processes =>
        [.. Kernel.Processes.Select(p => new ViewerProcess(p.Pid, p.Name, p.PageTable))];

    public string Description =>
        $"scenario {Scenario} on your kernel (seams: {WorkspaceSeams.Describe(Seams)}), drawn at step {Step}, when memory " +
        $"was fullest ({Kernel.Frames.FreeFrames} frames free); then the whole run was judged: {Result.Verdict}.";

    public IReadOnlyList<ViewerObservation> Observe() =>
    [
        new($"the memory checker found no problem in the whole run{(Result.CheckerErrors.Count > 0 ? $" (it found {Result.CheckerErrors.Count}: {Result.CheckerErrors[0]})" : "")}",
            Result.CheckerErrors.Count == 0),
        new(Result.Panic is { } panic ? $"the kernel never panicked (it did: {panic})" : "the kernel never panicked", Result.Panic is null),
        new($"every frame came back: {Result.FreeFramesAfter} free at the end, {Result.FreeFramesBefore} at boot",
            Result.FreeFramesAfter == Result.FreeFramesBefore || Result.Processes.Any(p => p.State == "runnable")),
        new($"scenario {Scenario}'s verdict held: {Result.Verdict}", Result.Passed),
    ];
}

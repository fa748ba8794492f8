using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>
    /// The report of a run of the user's own programs (`sim run --program`) on <paramref name="k"/>, in the
    /// scenario shape ("program"). It passes when nothing was killed, the kernel did not panic, memory is clean
    /// (checked as every scenario checks it) and the programs either all exited (with any status) or reached the end
    /// state of a program that never exits: every process yielding forever with nothing changing
    /// (<see cref="SimKernel.Idle"/>), or, once memory had been full (the kernel refused an allocation), processes
    /// still running when the instruction or time limit stopped the run. A run cut short before that fails: "raise --steps".
    /// </summary>
    public static ScenarioResult Programs(SimKernel k)
    {
        var killed = k.FirstKilled;
        int running = k.Processes.Count, runnable = k.Processes.Count(p => p.State == VmLab.Sim.Kernel.ProcessState.Runnable);
        bool forever = k.Panic is null && killed is null && running > 0 && (k.Idle || (k.Frames.Refusals > 0 && runnable > 0));
        string verdict = k.Panic is { } panic ? $"the kernel panicked: {panic}"
            : forever ? Forever(k, running)
            : running > 0 && runnable == 0 ? $"{running} process(es) blocked forever after {k.Instructions} instructions: nothing is left to wake them"
            : running > 0 ? $"{running} process(es) still running after {k.Instructions} instructions (raise --steps)"
            : killed is not null ? $"pid {killed.Pid} ({killed.Name}) was killed: {killed.KillReason}"
            : $"every program exited ({Exited(k.History, k.ProcessesCreated)})";
        return ScenarioResult.Of(k, "program", new("the user's own ELF programs, each a process on the teaching kernel",
            k.Panic is null && killed is null && (running == 0 || forever), verdict) { StandsOutOfTime = forever });
    }

    // "name: status" for the first few, the rest counted by status: a program that forks thousands of children that
    // exit gets a verdict of one line
    private static string Exited(IReadOnlyList<VmLab.Sim.Kernel.Process> history, long created)
    {
        const int Named = 8;
        string named = string.Join(", ", history.Take(Named).Select(p => $"{p.Name}: {p.ExitStatus}"));
        if (created <= Named) return named;
        var statuses = history.Skip(Named).GroupBy(p => p.ExitStatus).Select(g => (Status: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Status).ToList();
        string counted = string.Join(", ", statuses.Take(3).Select(g => $"{g.Count} with status {g.Status}")) + (statuses.Count > 3 ? ", …" : "");
        return created > history.Count
            ? $"{named} and {created - Named} more; of the next {history.Count - Named} (the rest are counted only): {counted}"
            : $"{named} and {created - Named} more: {counted}";
    }

    // What was observed of programs that never exit: how the run ended, how full memory got, what the checker saw.
    private static string Forever(SimKernel k, int running)
    {
        string how = k.Idle ? $"every one yielding forever (the same registers at each yield and memory unchanged for {SimKernel.IdleEntriesPerProcess} kernel entries per process), so the run stopped there"
            : k.OutOfTime ? $"as programs that never exit keep running once memory is full; the time limit ({k.Options.WallTime.TotalSeconds:0.#} s) stopped the run"
            : "as programs that never exit keep running once memory is full; the instruction limit stopped the run";
        string full = k.Frames.Refusals > 0
            ? $"; memory was full (the kernel refused {k.Frames.Refusals} allocation(s); fewest free frames {Math.Min(k.MinFreeFrames, k.Frames.FreeFrames)})"
            : $"; memory was never full (fewest free frames {Math.Min(k.MinFreeFrames, k.Frames.FreeFrames)})";
        string clean = k.Panic is null && k.Check().Ok && k.CheckerErrors.Count == 0 ? "; 0 leaked frames, 0 checker errors" : "";
        return $"{running} process(es) still running after {k.Instructions} instructions, {how}{full}{clean}";
    }
}

/// <summary>
/// The user's own programs as a scenario a viewer can boot (<c>vmlab web --program</c>, a file uploaded in the page):
/// each image started in order on the teaching kernel, judged as <see cref="Scenario.Programs(SimKernel)"/> judges
/// a <c>sim run --program</c> run. Not among <see cref="Scenario.All"/>: it exists only for the images given.
/// </summary>
public sealed class ProgramsScenario : Scenario<Booted>
{
    private readonly IReadOnlyList<(string Name, VmLab.Sim.Elf.ProgramImage Image)> _programs;

    /// <summary>A scenario named "program" that starts <paramref name="programs"/> (at least one) in order.</summary>
    public ProgramsScenario(IReadOnlyList<(string Name, VmLab.Sim.Elf.ProgramImage Image)> programs)
        : base("program", 1000, $"your programs: {string.Join(", ", programs.Select(p => p.Name))}",
            "Your own programs, each a process with its own page table: its x86-64 code runs on the simulated CPU " +
            "through the MMU and TLB, the kernel serving its syscalls. Its symbols name addresses in the walk and " +
            "the disassembly.")
    {
        if (programs.Count == 0) throw new ArgumentException("give at least one program");
        _programs = programs;
    }

    /// <summary>The programs' names, in the order they start.</summary>
    public IReadOnlyList<string> Names => [.. _programs.Select(p => p.Name)];

    /// <inheritdoc/>
    public override string FirstLook => $"Virtual memory of pid 1 ({_programs[0].Name}): its code, data and stack pages from the ELF file.";

    /// <inheritdoc/>
    public override string NextStep => $"Walk 0x{_programs[0].Image.Entry:x}, the entry point of {_programs[0].Name}, as exec; then Step and read the instruction at rip in Processes.";

    /// <inheritdoc/>
    public override VmLab.Sim.Elf.ProgramImage? Image(string process) =>
        _programs.FirstOrDefault(p => p.Name == process).Image ?? base.Image(process);

    private protected override Booted Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        foreach (var (name, image) in _programs)
            if (k.Spawn(image, name) < 0) throw new ArgumentException($"the kernel could not start {name} (no free process slot or out of memory)");
        return new(k);
    }

    private protected override Judgement Judge(Booted booted, ScenarioArgs args)
    {
        var r = Programs(booted.Kernel);
        return new(r.Description, r.Passed, r.Verdict);
    }
}

using System.Reflection;
using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>
/// One runnable scenario of the teaching kernel, declared in one file of this folder: its name, a summary, the
/// lesson it teaches, its options, one <c>Boot</c> (the kernel with the seams it needs and its programs started)
/// and one <c>Judge</c> (did what it set out to show hold). <c>sim run</c>'s sub-verbs, the tour and the web
/// catalog are made from these values, so the CLI and the web boot the same machine under one name.
/// A scenario file adds itself to <see cref="All"/> by declaring a static property of this class.
/// </summary>
public abstract partial class Scenario
{
    private protected Scenario(string name, int order, string summary, string lesson)
    {
        Name = name;
        Order = order;
        Summary = summary;
        Lesson = lesson;
    }

    /// <summary>Every scenario's instruction budget (<c>--steps</c>): the machine stops there.</summary>
    public static IntOption Steps { get; } = new("steps", "instruction budget", 50_000_000, 1, 10_000_000_000);

    /// <summary>Every scenario, in teaching order.</summary>
    // Read on first use: the scenarios' own static properties live in other files, initialised in no set order.
    public static IReadOnlyList<Scenario> All => s_all ??=
        [.. typeof(Scenario).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(Scenario))
            .Select(p => (Scenario)p.GetValue(null)!)
            .OrderBy(s => s.Order)];

    private static IReadOnlyList<Scenario>? s_all;

    /// <summary>The scenario called <paramref name="name"/> (exact, case-sensitive), or null.</summary>
    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The scenario called <paramref name="name"/>; ArgumentException naming the known ones otherwise.</summary>
    public static Scenario Named(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown scenario '{name}' (try: {string.Join(", ", All.Select(s => s.Name))})");

    /// <summary>The name: <c>sim run NAME</c>, the web's "scenario".</summary>
    public string Name { get; }

    /// <summary>Where it comes in the teaching order (lower first).</summary>
    public int Order { get; }

    /// <summary>One line: what it shows.</summary>
    public string Summary { get; }

    /// <summary>The lesson, in a few sentences: what to look at and why it matters (the tour says it).</summary>
    public string Lesson { get; }

    /// <summary>The first thing to look at once it has booted, in one line (the web's start screen says it).</summary>
    public virtual string FirstLook => "Physical memory: the frames each process was given, coloured by owner.";

    /// <summary>What to do next, concretely ("run to the child's first write, then walk 0x... as write").</summary>
    public virtual string NextStep => "Press Run to next event, then click the event to land just before it.";

    /// <summary>The program image a process of this scenario runs, by process name (its symbols name addresses in
    /// the web's walk and disassembly): one of the kernel's C programs unless the scenario brings its own.</summary>
    public virtual VmLab.Sim.Elf.ProgramImage? Image(string process) => VmLab.Sim.Elf.ElfPrograms.Image(process);

    /// <summary>The scenario's own options, then <see cref="Steps"/>.</summary>
    public IReadOnlyList<ScenarioOption> Options => [.. Own, Steps];

    /// <summary>The option called <paramref name="name"/>, or null.</summary>
    public ScenarioOption? Option(string name) => Options.FirstOrDefault(o => o.Name == name);

    /// <summary>How the tour runs it: options set beyond their defaults.</summary>
    public virtual IReadOnlyList<(ScenarioOption Option, object Value)> TourSettings => [];

    /// <summary>The record <see cref="ScenarioResult.Extra"/> holds for this scenario (its own measurements), or null.</summary>
    public virtual Type? ExtraType => null;

    /// <summary>Options that may not be given together, in words; null when <paramref name="args"/> are fine.
    /// <paramref name="spell"/> names an option as the caller's user typed it ("--naive" or "naive").</summary>
    public virtual string? Conflict(ScenarioArgs args, Func<ScenarioOption, string> spell) => null;

    /// <summary>Settings for this scenario from (option name, value) pairs; ArgumentException for a name it does not
    /// have or a value out of range. Whole numbers may be int or long.</summary>
    public ScenarioArgs Args(params (string Option, object Value)[] settings)
    {
        var args = new ScenarioArgs();
        foreach (var (name, value) in settings)
        {
            var option = Option(name) ?? throw new ArgumentException($"scenario '{Name}' has no option '{name}'");
            args = args.With(option, value is int n ? (long)n : value);
        }
        return args;
    }

    /// <summary>
    /// The machine just before its first instruction: the kernel booted and the programs started exactly as
    /// <see cref="Run(ScenarioArgs?)"/> starts them, for viewers that step it themselves. Deterministic.
    /// </summary>
    public SimKernel Start(ScenarioArgs? args = null) => BootAny(Checked(args)).Kernel;

    /// <summary>
    /// As <see cref="Start"/>, for a viewer that steps the machine itself and wants the scenario's verdict once it has
    /// run: the kernel, and a function judging it as it stands (what <see cref="Run(ScenarioArgs?)"/> would say, the
    /// memory checker's findings so far included; it runs no check of its own).
    /// </summary>
    public (SimKernel Kernel, Func<(bool Passed, string Verdict)> Judge) Launch(ScenarioArgs? args = null)
    {
        var a = Checked(args);
        var booted = BootAny(a);
        return (booted.Kernel, () =>
        {
            var j = JudgeAny(booted, a);
            var k = booted.Kernel;
            if (j.BrokenOnPurpose || !j.Passed) return (j.Passed, k.Panic is { } p && !j.Passed ? $"{j.Verdict} (the kernel panicked: {p})" : j.Verdict);
            if (k.Panic is { } panic) return (false, $"{j.Verdict}, but the kernel panicked: {panic}");
            return k.CheckerErrors.Count > 0 ? (false, $"{j.Verdict}, but the checker found {k.CheckerErrors.Count} problem(s)") : (true, j.Verdict);
        });
    }

    /// <summary>Boots, runs to the end (or the instruction budget), judges and checks memory. Deterministic.</summary>
    public ScenarioResult Run(ScenarioArgs? args = null)
    {
        var a = Checked(args);
        var booted = BootAny(a);
        booted.Kernel.Run(a.Steps);
        var judgement = JudgeAny(booted, a);
        if (judgement.Extra?.GetType() != ExtraType)
            throw new InvalidOperationException($"scenario {Name}: its judgement's extra is not a {ExtraType?.Name ?? "null"}");
        return ScenarioResult.Of(booted.Kernel, Name, judgement) with { StudentSeams = a.Seams?.Names ?? [] };
    }

    /// <summary>Runs with options given by name (see <see cref="Args"/>).</summary>
    public ScenarioResult Run(params (string Option, object Value)[] settings) => Run(Args(settings));

    /// <summary>"fork".</summary>
    public override string ToString() => Name;

    /// <summary>The options this scenario declares (without <see cref="Steps"/>).</summary>
    private protected virtual IReadOnlyList<ScenarioOption> Own => [];

    private protected abstract Booted BootAny(ScenarioArgs args);

    private protected abstract Judgement JudgeAny(Booted booted, ScenarioArgs args);

    /// <summary>
    /// A fresh kernel with <paramref name="seams"/> (the reference kernel by default) under the caller's overlay
    /// (<see cref="ScenarioArgs.Seams"/>), the memory checker after every <paramref name="checkEvery"/> kernel entries,
    /// tracing, events and the wall-time limit as asked, and the caller's watcher attached.
    /// </summary>
    private protected static SimKernel NewKernel(ScenarioArgs args, KernelSeams? seams = null, int checkEvery = 1)
    {
        seams ??= KernelSeams.Reference;
        if (args.Seams is { } overlay) seams = overlay.Apply(seams);
        var k = new SimKernel(new KernelOptions { Seams = seams, CheckEvery = checkEvery, WallTime = args.WallTime }) { TraceEnabled = args.Trace };
        if (args.Events) k.RecordEvents = true;
        args.Watch?.Invoke(k);
        return k;
    }

    private ScenarioArgs Checked(ScenarioArgs? args)
    {
        var a = args ?? new ScenarioArgs();
        return Conflict(a, o => o.Name) is { } problem ? throw new ArgumentException(problem) : a;
    }
}

/// <summary>What a scenario's Boot hands its Judge: the kernel, and whatever else the scenario noted while booting.</summary>
public class Booted(SimKernel kernel)
{
    /// <summary>The machine.</summary>
    public SimKernel Kernel { get; } = kernel;
}

/// <summary>A scenario whose Boot notes <typeparamref name="TBooted"/> for its Judge.</summary>
public abstract class Scenario<TBooted>(string name, int order, string summary, string lesson)
    : Scenario(name, order, summary, lesson) where TBooted : Booted
{
    /// <summary>Builds the kernel with the seams this scenario needs and starts its programs; runs nothing.</summary>
    private protected abstract TBooted Boot(ScenarioArgs args);

    /// <summary>After the run: what held, in words, with what was observed.</summary>
    private protected abstract Judgement Judge(TBooted booted, ScenarioArgs args);

    private protected sealed override Booted BootAny(ScenarioArgs args) => Boot(args);

    private protected sealed override Judgement JudgeAny(Booted booted, ScenarioArgs args) => Judge((TBooted)booted, args);
}

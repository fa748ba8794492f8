using System.Collections.Immutable;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

/// <summary>What a scenario option holds: a switch, a whole number in a range, or one word of a fixed set.</summary>
public enum OptionKind : byte
{
    /// <summary>On or off (a CLI flag, a JSON true/false); off by default.</summary>
    Flag,
    /// <summary>A whole number from <see cref="ScenarioOption.Min"/> to <see cref="ScenarioOption.Max"/>.</summary>
    Int,
    /// <summary>One of <see cref="ScenarioOption.Values"/>.</summary>
    Choice,
}

/// <summary>
/// One option of a scenario, declared once in the scenario's file: the CLI makes it the flag <c>--NAME</c> of
/// <c>sim run SCENARIO</c>, the web API the key NAME of a machine's "options". Values are bool (flag), long (int)
/// or string (choice).
/// </summary>
public abstract class ScenarioOption
{
    private protected ScenarioOption(string name, string help)
    {
        Name = name;
        Help = help;
    }

    /// <summary>The option's name ("count"): the web key, and the CLI flag after "--".</summary>
    public string Name { get; }

    /// <summary>One line for --help and the web page.</summary>
    public string Help { get; }

    /// <summary>What it holds.</summary>
    public abstract OptionKind Kind { get; }

    /// <summary>The value when none is given: false, a number, or a word of <see cref="Values"/>.</summary>
    public abstract object Default { get; }

    /// <summary>The smallest value of an int option; null for the others.</summary>
    public virtual long? Min => null;

    /// <summary>The largest value of an int option; null for the others.</summary>
    public virtual long? Max => null;

    /// <summary>The words a choice takes, in order; null for the others.</summary>
    public virtual IReadOnlyList<string>? Values => null;

    /// <summary>True when <paramref name="value"/> is of the option's kind and within its range or set.</summary>
    public bool Accepts(object value) => (Kind, value) switch
    {
        (OptionKind.Flag, bool) => true,
        (OptionKind.Int, long n) => n >= Min && n <= Max,
        (OptionKind.Choice, string s) => Values!.Contains(s),
        _ => false,
    };
}

/// <summary>A switch, off unless given.</summary>
public sealed class FlagOption(string name, string help) : ScenarioOption(name, help)
{
    /// <inheritdoc/>
    public override OptionKind Kind => OptionKind.Flag;

    /// <inheritdoc/>
    public override object Default => false;
}

/// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
public sealed class IntOption(string name, string help, long fallback, long min, long max) : ScenarioOption(name, help)
{
    /// <inheritdoc/>
    public override OptionKind Kind => OptionKind.Int;

    /// <inheritdoc/>
    public override object Default => fallback;

    /// <inheritdoc/>
    public override long? Min => min;

    /// <inheritdoc/>
    public override long? Max => max;
}

/// <summary>One word of a fixed set, each word standing for a value of <typeparamref name="T"/> (a seam, say).</summary>
public sealed class ChoiceOption<T>(string name, string help, string fallback, params (string Word, T Value)[] choices)
    : ScenarioOption(name, help)
{
    /// <inheritdoc/>
    public override OptionKind Kind => OptionKind.Choice;

    /// <inheritdoc/>
    public override object Default => fallback;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Values { get; } = [.. choices.Select(c => c.Word)];

    /// <summary>The value a word stands for.</summary>
    public T this[string word] => choices.First(c => c.Word == word).Value;
}

/// <summary>
/// The settings of one run of a scenario: option values (the defaults where none was set), whether the kernel
/// logs its events, and who watches each kernel the scenario boots.
/// </summary>
public sealed record ScenarioArgs
{
    private ImmutableDictionary<ScenarioOption, object> Values { get; init; } = ImmutableDictionary<ScenarioOption, object>.Empty;

    /// <summary>Log kernel events (switches, syscalls, faults) into <see cref="ScenarioResult.Trace"/>.</summary>
    public bool Trace { get; init; }

    /// <summary>Wall-clock limit for each kernel the scenario boots (<see cref="VmLab.Sim.Kernel.KernelOptions.WallTime"/>): a run
    /// that reaches it is stopped and judged as stopped. Unlimited by default (the web steps its machines itself).</summary>
    public TimeSpan WallTime { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Called with every kernel the scenario boots, before it runs: where an observer hooks in
    /// (<c>sim run --view</c> watches memory fill through <see cref="SimKernel.Entered"/>).</summary>
    public Action<SimKernel>? Watch { get; init; }

    /// <summary>Seams laid over the scenario's own (a student's, from <c>--workspace</c>); null runs the scenario's kernel.</summary>
    public SeamOverlay? Seams { get; init; }

    /// <summary>Record the kernel's structured events, so that the result can place every checker finding at its step
    /// beside the event that caused it (<see cref="ScenarioResult.CheckerFindings"/>). Off by default: it costs a
    /// record per syscall.</summary>
    public bool Events { get; init; }

    /// <summary>The instruction budget (<see cref="Scenario.Steps"/>).</summary>
    public long Steps => Get(Scenario.Steps);

    /// <summary>These settings with <paramref name="option"/> set to <paramref name="value"/> (bool, long or string by
    /// the option's kind). Throws ArgumentException for a value of the wrong kind or out of range.</summary>
    public ScenarioArgs With(ScenarioOption option, object value) => option.Accepts(value)
        ? this with { Values = Values.SetItem(option, value) }
        : throw new ArgumentException($"option '{option.Name}' cannot be {value}");

    /// <summary>A flag's value.</summary>
    public bool Get(FlagOption option) => (bool)Value(option);

    /// <summary>An int option's value.</summary>
    public long Get(IntOption option) => (long)Value(option);

    /// <summary>What a choice's word stands for.</summary>
    public T Get<T>(ChoiceOption<T> option) => option[Word(option)];

    /// <summary>A choice's word.</summary>
    public string Word<T>(ChoiceOption<T> option) => (string)Value(option);

    /// <summary>True when <paramref name="option"/> was set, even to its default.</summary>
    public bool IsSet(ScenarioOption option) => Values.ContainsKey(option);

    private object Value(ScenarioOption option) => Values.TryGetValue(option, out object? v) ? v : option.Default;
}

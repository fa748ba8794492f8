using System.Text.Json;
using VmLab.Sim.Scenarios;

namespace VmLab.Web;

/// <summary>One option a scenario takes, named as its `sim run` flag: bool, int (with a range) or choice.</summary>
internal sealed record OptionSpec(string Name, string Type, object Default, string Help, long? Min = null, long? Max = null,
    IReadOnlyList<string>? Values = null);

/// <summary>A scenario as the page lists it: its options, and the lesson text the scenario itself declares (the tour
/// says the same lesson), the first thing to look at and the next step to take.</summary>
internal sealed record ScenarioSpec(string Name, string Summary, IReadOnlyList<OptionSpec> Options)
{
    public string Lesson { get; init; } = "";
    public string FirstLook { get; init; } = "";
    public string NextStep { get; init; } = "";
}

/// <summary>The scenarios `sim run` has, with their options, as the simulator declares them (<see cref="Scenario"/>),
/// and the parsing of an options object into <see cref="ScenarioArgs"/>. Bad input is a <see cref="BadRequest"/> with
/// one line of explanation.</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyList<ScenarioSpec> All { get; } = [.. Scenario.All.Select(Of)];

    /// <summary>What the page says of <paramref name="s"/>.</summary>
    public static ScenarioSpec Of(Scenario s) =>
        new(s.Name, s.Summary, [.. s.Options.Select(Spec)]) { Lesson = s.Lesson, FirstLook = s.FirstLook, NextStep = s.NextStep };

    private static OptionSpec Spec(ScenarioOption o) =>
        new(o.Name, o.Kind switch { OptionKind.Flag => "bool", OptionKind.Int => "int", _ => "choice" }, o.Default, o.Help, o.Min, o.Max, o.Values);

    /// <summary>The scenario called <paramref name="name"/> and its settings from <paramref name="options"/> (a JSON
    /// object or absent).</summary>
    public static (Scenario Scenario, ScenarioArgs Args) Parse(string name, JsonElement? options, Scenario? programs = null)
    {
        var scenario = (programs?.Name == name ? programs : Scenario.Find(name))
            ?? throw new BadRequest($"unknown scenario '{name}' (try: {string.Join(", ", All.Select(s => s.Name))})");
        var args = new ScenarioArgs();
        if (options is not { } obj || obj.ValueKind == JsonValueKind.Null) return (scenario, args);
        if (obj.ValueKind != JsonValueKind.Object) throw new BadRequest("options must be a JSON object");
        foreach (var prop in obj.EnumerateObject())
        {
            var opt = scenario.Option(prop.Name)
                ?? throw new BadRequest($"scenario '{name}' has no option '{prop.Name}'" +
                                        (scenario.Options.Count == 0 ? " (it takes none)" : $" (it takes: {string.Join(", ", scenario.Options.Select(x => x.Name))})"));
            args = args.With(opt, opt.Kind switch
            {
                OptionKind.Flag => Bool(prop),
                OptionKind.Int => Int(prop, opt),
                _ => Choice(prop, opt),
            });
        }
        return scenario.Conflict(args, o => o.Name) is { } conflict ? throw new BadRequest(conflict) : (scenario, args);
    }

    private static bool Bool(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new BadRequest($"option '{p.Name}' must be true or false"),
    };

    private static long Int(JsonProperty p, ScenarioOption spec) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long v) && v >= spec.Min && v <= spec.Max ? v
            : throw new BadRequest($"option '{p.Name}' must be a whole number from {spec.Min} to {spec.Max}");

    private static string Choice(JsonProperty p, ScenarioOption spec) =>
        p.Value.ValueKind == JsonValueKind.String && spec.Values!.Contains(p.Value.GetString()) ? p.Value.GetString()!
            : throw new BadRequest($"option '{p.Name}' must be one of {string.Join(", ", spec.Values!)}");
}

/// <summary>A request the API refuses: answered 400 (or 404) with {"error": Message}.</summary>
internal sealed class BadRequest(string message, int status = 400) : Exception(message)
{
    public int Status { get; } = status;
}

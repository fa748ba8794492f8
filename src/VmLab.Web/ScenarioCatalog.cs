using System.Text.Json;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Web;

/// <summary>One option a scenario takes, named as its `sim run` flag: bool, int (with a range) or choice.</summary>
internal sealed record OptionSpec(string Name, string Type, object Default, string Help, long? Min = null, long? Max = null,
    IReadOnlyList<string>? Values = null);

internal sealed record ScenarioSpec(string Name, string Summary, IReadOnlyList<OptionSpec> Options);

/// <summary>The scenarios `sim run` has, with their options, and the parsing of an options object into
/// <see cref="ScenarioOptions"/>. Bad input is a <see cref="BadRequest"/> with one line of explanation.</summary>
internal static class ScenarioCatalog
{
    private static readonly string[] PipeKernels = ["naive", "blocking", "batching", "best"];

    /// <summary>Every scenario's instruction budget, as `sim run --steps`: the machine stops there.</summary>
    private static readonly OptionSpec Steps = new("steps", "int", 50_000_000L, "instruction budget for the whole run", 1, 10_000_000_000);

    public static IReadOnlyList<ScenarioSpec> All { get; } =
        [.. Scenario.All.Select(s => new ScenarioSpec(s.Name, s.Summary, [.. Options(s.Name), Steps]))];

    private static IReadOnlyList<OptionSpec> Options(string name) => name switch
    {
        "fork" =>
        [
            new("naive", "bool", false, "fork with copy_mappings only: parent and child share writable frames (the checker flags it)"),
            new("cow", "bool", false, "copy-on-write fork: pages shared read-only, copied on the first write"),
        ],
        "forkexit" => [new("count", "int", 2000, "fork/exit cycles", 1, 1_000_000)],
        "friends" => [new("vulnerable", "bool", false, "the handout kernel: page_alloc zeroes whatever page it is given")],
        "pipe" =>
        [
            new("kernel", "choice", "best", "the pipe kernel", Values: PipeKernels),
            new("messages", "int", 100, "messages to send", 1, 1_000_000),
        ],
        _ => [],
    };

    /// <summary>Parses <paramref name="options"/> (a JSON object or absent) for <paramref name="scenario"/>.</summary>
    public static ScenarioOptions Parse(string scenario, JsonElement? options)
    {
        var spec = All.FirstOrDefault(s => s.Name == scenario)
            ?? throw new BadRequest($"unknown scenario '{scenario}' (try: {string.Join(", ", All.Select(s => s.Name))})");
        var o = new ScenarioOptions();
        if (options is not { } obj || obj.ValueKind == JsonValueKind.Null) return o;
        if (obj.ValueKind != JsonValueKind.Object) throw new BadRequest("options must be a JSON object");
        foreach (var prop in obj.EnumerateObject())
        {
            var opt = spec.Options.FirstOrDefault(x => x.Name == prop.Name)
                ?? throw new BadRequest($"scenario '{scenario}' has no option '{prop.Name}'" +
                                        (spec.Options.Count == 0 ? " (it takes none)" : $" (it takes: {string.Join(", ", spec.Options.Select(x => x.Name))})"));
            o = prop.Name switch
            {
                "naive" => o with { Naive = Bool(prop) },
                "cow" => o with { CopyOnWrite = Bool(prop) },
                "count" => o with { Count = (int)Int(prop, opt) },
                "vulnerable" => o with { Vulnerable = Bool(prop) },
                "messages" => o with { Messages = (int)Int(prop, opt) },
                "steps" => o with { Steps = Int(prop, opt) },
                "kernel" => o with { Pipe = Enum.Parse<PipeKernel>(Choice(prop, opt), ignoreCase: true) },
                _ => o,
            };
        }
        if (o.Naive && o.CopyOnWrite) throw new BadRequest("naive and cow are different forks: pick one");
        return o;
    }

    private static bool Bool(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new BadRequest($"option '{p.Name}' must be true or false"),
    };

    private static long Int(JsonProperty p, OptionSpec spec) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long v) && v >= spec.Min && v <= spec.Max ? v
            : throw new BadRequest($"option '{p.Name}' must be a whole number from {spec.Min} to {spec.Max}");

    private static string Choice(JsonProperty p, OptionSpec spec) =>
        p.Value.ValueKind == JsonValueKind.String && spec.Values!.Contains(p.Value.GetString()) ? p.Value.GetString()!
            : throw new BadRequest($"option '{p.Name}' must be one of {string.Join(", ", spec.Values!)}");
}

/// <summary>A request the API refuses: answered 400 (or 404) with {"error": Message}.</summary>
internal sealed class BadRequest(string message, int status = 400) : Exception(message)
{
    public int Status { get; } = status;
}

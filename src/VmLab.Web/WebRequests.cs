using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace VmLab.Web;

/// <summary>POST /api/machines: the scenario's name, and its options (checked by <see cref="ScenarioCatalog"/>).</summary>
internal sealed record CreateMachine(string? Scenario, JsonElement? Options);

/// <summary>POST /api/machines/{id}/step: a number of instructions, or "until": "event".</summary>
internal sealed record StepMachine(long? Count, string? Until);

/// <summary>POST /api/machines/{id}/seek: the step to put the machine at.</summary>
internal sealed record SeekMachine(long? Step);

/// <summary>One VA->PA pair; an address is "0x..." or a number.</summary>
internal sealed record PairJson(ulong? Va, ulong? Pa);

/// <summary>POST /api/exercises/check-mapping and map-calls: the pairs, and map-calls' permission.</summary>
internal sealed record PairsExercise(IReadOnlyList<PairJson?>? Pairs, string? Perm);

/// <summary>POST /api/exercises/pages: where an object starts, its size, and whether it starts on a page.</summary>
internal sealed record PagesExercise(ulong? Va, ulong? Size, bool? Aligned);

/// <summary>Request bodies read as the records above with System.Text.Json: the body must be one JSON object of at
/// most <see cref="WebServer.MaxBody"/> bytes, and a field of the wrong type is a 400 whose one line
/// <paramref name="wrong"/> words from the field's name.</summary>
internal static class WebRequest
{
    public static async Task<T> Read<T>(HttpContext ctx, Func<string, string> wrong, bool allowEmpty = false) where T : class
    {
        using var body = await MachineApi.Body(ctx, allowEmpty);
        try
        {
            return body.Deserialize<T>(WebJson.Options) ?? throw new BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new BadRequest(wrong(Field(e.Path)));
        }
    }

    // "$.pairs[2].va" -> "va", "$.count" -> "count", "$.pairs[2]" -> "pairs[]": the innermost field, or an element.
    private static string Field(string? path)
    {
        string last = path?.Split('.')[^1] ?? "";
        int bracket = last.IndexOf('[');
        return bracket < 0 ? last : last[..bracket] + "[]";
    }
}

using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Cli.Framework;

/// <summary>--json output: one object, snake_case keys derived from the result records' property names.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Output goes to terminals and scripts, never into HTML: keep "->" and "µs" readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static System.Text.Json.Nodes.JsonNode? ToNode(object value) =>
        JsonSerializer.SerializeToNode(value, value.GetType(), Options);

    public static void Write(TextWriter w, object value) =>
        w.WriteLine(value is IWritesJson written ? Serialize(written) : JsonSerializer.Serialize(value, value.GetType(), Options));

    /// <summary>A result that writes itself, as the serializer would write it with <see cref="Options"/>.</summary>
    internal static string Serialize(IWritesJson value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Options.Encoder }))
            value.Write(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>A --json result written field by field (see <see cref="JsonOutput.Serialize"/>).</summary>
internal interface IWritesJson
{
    void Write(Utf8JsonWriter writer);
}

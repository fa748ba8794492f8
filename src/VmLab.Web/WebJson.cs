using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Web;

/// <summary>The API's JSON: snake_case keys as the CLI's --json, addresses and register values as "0x..." strings
/// (JavaScript numbers lose bits above 2^53), enums as snake_case strings.</summary>
internal static class WebJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new HexConverter(), new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The exercises' results, whose ulongs are counts as often as addresses: plain numbers, as in the
    /// CLI's --json of the same tools.</summary>
    public static readonly JsonSerializerOptions Plain = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Every ulong is an address, an entry or a register: written in hex.</summary>
    private sealed class HexConverter : JsonConverter<ulong>
    {
        public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number ? reader.TryGetUInt64(out ulong n) ? n : throw new JsonException("not an address")
            : reader.TokenType == JsonTokenType.String && Address.TryParse(reader.GetString(), out ulong v) ? v
            : throw new JsonException("not an address");

        public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options)
        {
            Span<char> text = stackalloc char[18];
            text[0] = '0';
            text[1] = 'x';
            value.TryFormat(text[2..], out int n, "x");
            writer.WriteStringValue(text[..(n + 2)]);
        }
    }
}

/// <summary>Addresses as users type them: 0x-prefixed hex, or decimal.</summary>
internal static class Address
{
    public static bool TryParse(string? text, out ulong value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 20) return false;
        text = text.Trim().Replace("_", "", StringComparison.Ordinal);
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length > 2 && ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value)
            : ulong.TryParse(text, System.Globalization.NumberStyles.None, null, out value);
    }
}

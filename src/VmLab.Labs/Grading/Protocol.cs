using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Labs.Grading;

// The typed protocol between the grader and its test child. The grader writes one request document; the child
// reads it, deletes it, and writes the progress document as it goes and the result document once the test body
// has returned, at paths only the request names (student C# can read neither: files, the environment and the
// command line are banned to it). The result carries an HMAC-SHA256 under a key only the request held, so a
// program the test runs (the C exercise's crashers, which may write files) cannot forge one: the child is
// undumpable, so they cannot read the key from its memory either. Nothing is read from the child's stdout, stderr
// or exit code but the fact that it ended. The schema is these records: every member required, no others allowed.

/// <summary>The grader's request: which test, whose code, where the verdict goes, what caps apply.</summary>
public sealed record TestRequest(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] string Test,
    [property: JsonRequired] string? Assembly,
    [property: JsonRequired] string? Library,
    [property: JsonRequired] string Result,
    [property: JsonRequired] string Progress,
    [property: JsonRequired] TestLimits Limits,
    [property: JsonRequired] string Key)
{
    public const string Version = "vmlab-test-request/1";
}

/// <summary>setrlimit caps the child applies to itself before it loads any student code.</summary>
public sealed record TestLimits(
    [property: JsonRequired] ulong DataBytes,
    [property: JsonRequired] ulong CpuSeconds,
    [property: JsonRequired] ulong Processes,
    [property: JsonRequired] ulong FileBytes);

/// <summary>The verdict: written by the child's host code after the test body returned (or threw).</summary>
public sealed record TestVerdict(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] string Test,
    [property: JsonRequired] bool Passed,
    [property: JsonRequired] string Reason,
    [property: JsonRequired] IReadOnlyList<string> Trace,
    [property: JsonRequired] string Mac)
{
    public const string Version = "vmlab-test-result/1";

    /// <summary>HMAC-SHA256 (hex) of the verdict's test, outcome and reason under the request's key.</summary>
    public static string Sign(string keyHex, string test, bool passed, string reason) =>
        Protocol.Mac(keyHex, $"{test}\n{passed}\n{reason}");

    /// <summary>True when this verdict was signed with <paramref name="keyHex"/>.</summary>
    public bool SignedWith(string keyHex) => Protocol.MacMatches(Mac, Sign(keyHex, Test, Passed, Reason));
}

/// <summary>What the test was doing last, so a crash of the whole child can still be explained.</summary>
public sealed record TestProgress(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] string Doing,
    [property: JsonRequired] string IfCrash)
{
    public const string Version = "vmlab-test-progress/1";
}

/// <summary>Reading and writing the protocol's documents, strictly.</summary>
public static class Protocol
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>HMAC-SHA256 (lower-case hex) of text under the hex key: what signs a result document.</summary>
    public static string Mac(string keyHex, string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Convert.FromHexString(keyHex),
            System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>Whether a document's mac is the expected one, compared in constant time; a mac that is not
    /// 64 hex digits never matches (it came from a file the child wrote).</summary>
    public static bool MacMatches(string mac, string expected) =>
        mac.Length == 64 && mac.All(Uri.IsHexDigit) && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Convert.FromHexString(mac), Convert.FromHexString(expected));

    /// <summary>Writes a document atomically (a reader never sees half of it).</summary>
    public static void Write<T>(string path, T document)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(document, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The document at path when it is there and well-formed; null otherwise.</summary>
    public static T? Read<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) && new FileInfo(path).Length < 16 << 20 ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

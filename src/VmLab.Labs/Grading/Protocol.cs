using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmLab.Labs.Grading;

// The typed protocol between the grader and its test child. The grader writes one request document; the child
// writes the progress document as it goes and the result document once the test body has returned, at paths
// only the request names (student code can read neither: files, the environment and the command line are
// banned to it). Nothing is read from the child's stdout, stderr or exit code but the fact that it ended.
// The schema is these records: every member required, no others allowed (docs/labs.md, "The test protocol").

/// <summary>The grader's request: which test, whose code, where the verdict goes, what caps apply.</summary>
public sealed record TestRequest(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] string Test,
    [property: JsonRequired] string? Assembly,
    [property: JsonRequired] string? Library,
    [property: JsonRequired] string Result,
    [property: JsonRequired] string Progress,
    [property: JsonRequired] TestLimits Limits)
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
    [property: JsonRequired] IReadOnlyList<string> Trace)
{
    public const string Version = "vmlab-test-result/1";
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

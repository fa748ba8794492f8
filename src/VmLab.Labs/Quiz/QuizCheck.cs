using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VmLab.Labs.Quiz;

/// <summary>One answer, marked: what was given, whether it matches the simulator's answer, and the worked solution.</summary>
public sealed record MarkedAnswer(string Question, string Given, bool Correct, string Expected, string Answer);

/// <summary>
/// Marks a student's answers to a quiz sheet. Answers come one per line (blank lines and #-comments skipped) or as
/// JSON: an array of strings, {"answers":[...]}, or the sheet's own --json shape with an "answer" per problem. Each
/// is read for what the question asks, not its wording: yes/no; page counts ("3 3-4"); a physical address or
/// "fault" with its error code; "no" or an error code; a room, "pit", or a set of rooms.
/// </summary>
public static partial class QuizCheck
{
    /// <summary>The answers in a file's text, in order.</summary>
    public static IReadOnlyList<string> ParseAnswers(string text)
    {
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Array) return [.. root.EnumerateArray().Select(Text)];
                if (root.TryGetProperty("answers", out var answers)) return [.. answers.EnumerateArray().Select(Text)];
                if (root.TryGetProperty("problems", out var problems))
                    return [.. problems.EnumerateArray().Select(p => p.TryGetProperty("answer", out var a) ? Text(a) : "")];
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"the answers are not valid JSON: {e.Message.Split('.')[0]}");
            }
            catch (InvalidOperationException)
            {
                throw new ArgumentException("the answers' JSON is not an array of strings, {\"answers\": [...]} or a quiz sheet");
            }
            throw new ArgumentException("the answers' JSON is not an array of strings, {\"answers\": [...]} or a quiz sheet");
        }
        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
    }

    private static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.ToString();

    /// <summary>Each problem of the sheet with its answer (missing ones count as wrong).</summary>
    public static IReadOnlyList<MarkedAnswer> Mark(QuizSheet sheet, IReadOnlyList<string> answers) =>
        [.. sheet.Problems.Select((p, i) =>
        {
            string given = i < answers.Count ? answers[i] : "";
            return new MarkedAnswer(p.Question, given, Matches(p.Key, given), Say(p.Key), p.Answer);
        })];

    /// <summary>Does a free-form answer say what the key says?</summary>
    public static bool Matches(string key, string given)
    {
        string g = given.Trim().ToLowerInvariant();
        if (g.Length == 0) return false;
        string[] k = key.Split(' ');
        switch (k[0])
        {
            case "yes" or "no":
                return Words(g).FirstOrDefault() is { } w && (w is "yes" or "valid" or "y" ? "yes" : w is "no" or "invalid" or "n" ? "no" : "") == k[0];
            case "none":
                return Words(g).FirstOrDefault() is "no" or "none" or "ok" || g.StartsWith("no fault", StringComparison.Ordinal);
            case "pa":
                return !g.Contains("fault") && Numbers(g).Contains(Parse(k[1]));
            case "fault":
                return g.Contains("fault") && (Numbers(g) is not { Count: > 0 } said || said.Contains(Parse(k[1])));
            case "room":
                return !Words(g).Contains("pit") && Words(g).Contains(k[1]);
            case "pit":
                return Words(g).Contains("pit");
            case "rooms":
                var want = k.Skip(1).ToHashSet();
                var got = Words(g).Where(w => w == "pit" || w.All(char.IsAsciiLetterOrDigit) && w != "and" && w != "rooms" && w != "room" && w != "a" && w != "death" && w != "none").ToHashSet();
                return want.SetEquals(got);
            case var code when code.StartsWith("0x", StringComparison.Ordinal):
                return !g.StartsWith("no", StringComparison.Ordinal) && Numbers(g).Contains(Parse(code));
            default:
                if (k.Length == 3 && k.All(x => x.All(char.IsAsciiDigit)))
                {
                    var n = Numbers(g);
                    var expected = k.Select(Parse).ToList();
                    return n.SequenceEqual(expected) || (expected[1] == expected[2] && n.SequenceEqual(expected.Take(2)));
                }
                return false;
        }
    }

    /// <summary>The key as a person would write it.</summary>
    public static string Say(string key)
    {
        string[] k = key.Split(' ');
        return k[0] switch
        {
            "yes" or "no" => k[0],
            "none" => "no fault",
            "pa" => $"pa {k[1]}",
            "fault" => $"a page fault, error code {k[1]}",
            var code when code.StartsWith("0x", StringComparison.Ordinal) => $"a page fault, error code {code}",
            "room" => $"room {k[1]}",
            "pit" => "a death pit",
            "rooms" => k.Length == 1 ? "no room" : string.Join(", ", k.Skip(1).Select(r => r == "pit" ? "a death pit" : $"room {r}")),
            _ when k.Length == 3 => $"{k[0]} virtual page(s), {(k[1] == k[2] ? k[1] : $"{k[1]} to {k[2]}")} physical",
            _ => key,
        };
    }

    private static List<string> Words(string g) => [.. WordRe().Matches(g).Select(m => m.Value)];

    private static List<ulong> Numbers(string g) => [.. NumberRe().Matches(g).Select(m => Parse(m.Value))];

    private static ulong Parse(string n) => n.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        ? ulong.Parse(n[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(n, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"[a-z0-9]+")]
    private static partial Regex WordRe();

    [GeneratedRegex(@"0x[0-9a-f]+|\b\d+\b")]
    private static partial Regex NumberRe();
}

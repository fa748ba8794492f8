using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using System.Xml.Linq;

namespace VmLab.Labs.Grading;

/// <summary>A grade in the formats course infrastructure reads: Gradescope's results.json and JUnit XML.</summary>
public static class Formats
{
    /// <summary>The output formats of `lab grade --format`.</summary>
    public static readonly string[] Names = ["text", "json", "gradescope", "junit"];

    private sealed record GradescopeTest(string Name, double Score, double MaxScore, string Output, string Status, string Visibility);

    private sealed record GradescopeResults(double Score, string Output, string Visibility, string StdoutVisibility, double ExecutionTime, IReadOnlyList<GradescopeTest> Tests);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Gradescope's results.json: one test per graded test (name, score, max_score, output, status) and the total.</summary>
    public static string Gradescope(GradeReport report) => JsonSerializer.Serialize(new GradescopeResults(
        report.Score,
        string.Join("\n", [.. report.Notes.Select(Grader.Printable), $"Score: {report.Score}/{report.MaxScore}"]),
        "visible", "hidden",
        Math.Round(report.Tests.Sum(t => t.Seconds), 2),
        [.. report.Tests.Select(t => new GradescopeTest(
            $"{t.Name} ({t.Exercise})", t.Passed ? t.Points : 0, t.Points,
            t.Passed ? (t.Reason.Length > 0 ? Grader.Printable(t.Reason) : "OK") : Grader.Printable(t.Reason),
            t.Passed ? "passed" : "failed", "visible"))]), Json) + "\n";

    /// <summary>JUnit XML as CI servers read it: a test case per graded test, class = exercise, a failure with the reason.</summary>
    public static string Junit(GradeReport report)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", "vmlab lab grade"),
            new XAttribute("tests", report.Tests.Count),
            new XAttribute("failures", report.Tests.Count(t => !t.Passed)),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(report.Tests.Sum(t => t.Seconds))),
            new XElement("properties",
                new XElement("property", new XAttribute("name", "score"), new XAttribute("value", report.Score)),
                new XElement("property", new XAttribute("name", "max_score"), new XAttribute("value", report.MaxScore))),
            report.Tests.Select(t => new XElement("testcase",
                new XAttribute("classname", $"vmlab.{t.Exercise}"),
                new XAttribute("name", t.Name),
                new XAttribute("time", Seconds(t.Seconds)),
                t.Passed ? null : new XElement("failure", new XAttribute("message", Xml(Grader.Printable(t.Reason))), new XAttribute("type", "fail"), Xml($"{t.Name} ({t.Points} points): {Grader.Printable(t.Reason)}")),
                t.Passed && t.Reason.Length > 0 ? new XElement("system-out", Xml(Grader.Printable(t.Reason))) : null)),
            new XElement("system-out", Xml(string.Join("\n", [.. report.Notes.Select(Grader.Printable), $"Score: {report.Score}/{report.MaxScore}"]))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).Declaration + "\n" + new XElement("testsuites", suite) + "\n";
    }

    // A reason can quote what a student's program printed: characters XML 1.0 cannot hold become U+FFFD.
    // (One line each: a reason or note that came from a student's file or program has its control characters escaped.)
    private static string Xml(string text) => string.Concat(text.Select(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c : '\uFFFD'));

    private static string Seconds(double s) => s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

using Spectre.Console;
using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

/// <summary>A report's block of facts drawn as laid-out text (the common case: one printable line each, fitting
/// the width) is byte for byte what Spectre's grid draws, on a terminal (no trimming, with and without colour) and
/// in a pipe (trailing blanks trimmed).</summary>
public sealed class ReportFactsTests
{
    private static readonly string[] Words =
        ["instructions executed", "syscalls", "stop reason", "a", "free frames at boot / at the end", "pid", "x", "exit(0)",
         "18", "0x0000000000401000", "killed: page fault at 0x0 (read, not present)", "1234567890", "yes", "-", " lead", "tail "];

    public static IEnumerable<object[]> Blocks()
    {
        var random = new Random(26);
        for (int i = 0; i < 60; i++)
        {
            int count = random.Next(1, 6);
            var facts = new List<(string, string)>();
            for (int f = 0; f < count; f++)
                facts.Add((Words[random.Next(Words.Length)], Words[random.Next(Words.Length)] + (random.Next(4) == 0 ? new string('v', random.Next(90)) : "")));
            yield return [facts, random.Next(12, 121)];
        }
        yield return [new List<(string, string)> { ("label", "") }, 80];
        yield return [new List<(string, string)> { ("tab\there", "wide ✓ value") }, 80];
        yield return [new List<(string, string)> { ("exactly", new string('w', 80 - 4 - 7)) }, 80];
        yield return [new List<(string, string)> { ("one over", new string('w', 80 - 4 - 7)) }, 80];
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Facts_drawn_as_text_match_the_grid(List<(string, string)> facts, int width)
    {
        foreach (var draw in (Func<StringWriter, IAnsiConsole>[])[Terminal.For, w => TerminalLike(w, colour: false), w => TerminalLike(w, colour: true)])
        {
            string grid = Draw(draw, Report.FactsBlock(facts, width, asGrid: true), width);
            string fast = Draw(draw, Report.FactsBlock(facts, width), width);
            Assert.Equal(grid, fast);
        }
    }

    [Fact]
    public void Plain_facts_are_not_drawn_as_a_grid_and_others_are()
    {
        Assert.IsType<Text>(Report.FactsBlock([("instructions executed", "18"), ("stop reason", "exit(0)")], 80));
        Assert.IsType<Grid>(Report.FactsBlock([("output", "line one\nline two")], 80));
        Assert.IsType<Grid>(Report.FactsBlock([("value", new string('v', 200))], 80));
    }

    private static string Draw(Func<StringWriter, IAnsiConsole> make, Spectre.Console.Rendering.IRenderable block, int width)
    {
        var output = new StringWriter();
        var console = make(output);
        console.Profile.Width = width;
        console.Write(block);
        console.Profile.Out.Writer.Flush();
        return output.ToString();
    }

    private static IAnsiConsole TerminalLike(StringWriter w, bool colour)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.TrueColor : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(w),
        });
        console.Profile.Height = 24;
        return console;
    }
}

using Spectre.Console;
using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

/// <summary>A report's title drawn as laid-out text (one printable line that fits) is byte for byte what Spectre's
/// left-justified Rule draws, in a pipe (trailing blanks trimmed) and on a terminal with and without colour.</summary>
public sealed class ReportTitleTests
{
    private static readonly string[] Words =
        ["vmlab sim cpu:", "/tmp/empty.elf", "hello (built-in)", "a", "[markup]", "x[/]y", "50%", " lead", "tail ",
         "vmlab anon", "fork: copy-on-write", "prog.elf", "~!@#$^&*()_+{}|:\"<>?`-=\\;',./"];

    public static IEnumerable<object[]> Titles()
    {
        var random = new Random(26);
        for (int i = 0; i < 60; i++)
        {
            int count = random.Next(1, 5);
            string title = string.Join(' ', Enumerable.Range(0, count).Select(_ => Words[random.Next(Words.Length)]));
            if (random.Next(4) == 0)
                title += new string('t', random.Next(90));
            yield return [title, random.Next(7, 121)];
        }
        foreach (string odd in (string[])["", "   ", "tab\there", "two\nlines", "wide ✓ title", "日本語", "e\u0301"])
            yield return [odd, 80];
        yield return ["exactly fits", 12 + 6];
        yield return ["one too long", 12 + 5];
        yield return ["x", 6];
        yield return ["x", 7];
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Title_drawn_as_text_matches_the_rule(string title, int width)
    {
        foreach (var draw in (Func<StringWriter, IAnsiConsole>[])[Terminal.For, w => TerminalLike(w, colour: false), w => TerminalLike(w, colour: true)])
        {
            string rule = Draw(draw, c => Report.TitleRule(title, width, c.Profile.Capabilities.Unicode, asRule: true), width);
            string fast = Draw(draw, c => Report.TitleRule(title, width, c.Profile.Capabilities.Unicode), width);
            Assert.Equal(rule, fast);
        }
    }

    [Fact]
    public void Plain_titles_are_laid_out_here_and_others_are_a_rule()
    {
        Assert.IsNotType<Rule>(Report.TitleRule("vmlab sim cpu: /tmp/empty.elf", 80, unicode: true));
        Assert.IsType<Rule>(Report.TitleRule("vmlab sim cpu: /tmp/empty.elf", 80, unicode: false));
        Assert.IsType<Rule>(Report.TitleRule("wide ✓ title", 80, unicode: true));
        Assert.IsType<Rule>(Report.TitleRule(new string('t', 75), 80, unicode: true));
    }

    private static string Draw(Func<StringWriter, IAnsiConsole> make, Func<IAnsiConsole, Spectre.Console.Rendering.IRenderable> block, int width)
    {
        var output = new StringWriter();
        var console = make(output);
        console.Profile.Width = width;
        console.Write(block(console));
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

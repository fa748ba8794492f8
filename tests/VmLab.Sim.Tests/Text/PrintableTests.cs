using VmLab.Sim.Text;

namespace VmLab.Sim.Tests.Text;

/// <summary>The one rule every layer prints outside text by: what a terminal would act on is shown, never sent.</summary>
public sealed class PrintableTests
{
    [Theory]
    [InlineData("\e]0;pwned\a\e[2J", @"\e]0;pwned\x07\e[2J")]          // set the title, clear the screen
    [InlineData("ok\nScore: 9/9\r", @"ok\nScore: 9/9\r")]              // a forged line of its own
    [InlineData("a\u202eb\u2066c", @"a\u{202e}b\u{2066}c")]             // bidi overrides reorder a line
    [InlineData("\u009b2J\u007f", @"\x9b2J\x7f")]                       // the 8-bit CSI, DEL
    [InlineData("x\u2028y\u2029", @"x\u{2028}y\u{2029}")]               // line and paragraph separators
    public void A_line_shows_what_would_drive_a_terminal_as_escapes(string text, string shown) =>
        Assert.Equal(shown, Printable.Line(text));

    [Fact]
    public void Halves_of_broken_surrogate_pairs_are_escaped()   // (not as InlineData: the runner mends them)
    {
        Assert.Equal(@"\u{d800}z\u{dc00}", Printable.Line("\ud800z\udc00"));
        Assert.Equal("𝄞", Printable.Line("𝄞"));
    }

    [Fact]
    public void Ordinary_text_is_the_same_string()
    {
        string text = "héllo ✓ 𝄞 wörld, tab-free";
        Assert.Same(text, Printable.Line(text));
    }

    [Fact]
    public void Lines_keep_newlines_and_tabs_and_escape_the_rest()
    {
        Assert.Equal("a\tb\nc\\e[2J\\r\n", Printable.Lines("a\tb\nc\e[2J\r\n"));
        Assert.Equal(@"a\tb\nc", Printable.Line("a\tb\nc"));
    }
}

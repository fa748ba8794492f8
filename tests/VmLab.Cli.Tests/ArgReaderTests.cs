using VmLab.Cli.Framework;

namespace VmLab.Cli.Tests;

public class ArgReaderTests
{
    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("0x1F000", 0x1F000)]
    [InlineData("0X10", 16)]
    public void Numbers_accept_decimal_and_hex(string token, ulong expected) =>
        Assert.Equal(expected, Numbers.Parse(token, "--va"));

    [Theory]
    [InlineData("64K", 65536)]
    [InlineData("64KiB", 65536)]
    [InlineData("2M", 2 << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("8192", 8192)]
    public void Sizes_accept_suffixes(string token, long expected) =>
        Assert.Equal(expected, Numbers.ParseSize(token, "--size"));

    [Theory]
    [InlineData("0xZZ")]
    [InlineData("-5")]
    [InlineData("12abc")]
    [InlineData("")]
    public void Bad_numbers_name_the_token(string token)
    {
        var e = Assert.Throws<UsageException>(() => Numbers.Parse(token, "--va"));
        Assert.Contains("--va", e.Message);
    }

    [Fact]
    public void Options_flags_positionals_and_rest()
    {
        var a = new ArgReader(["--pages", "16", "--json", "0x1000", "--size=64K", "--", "prog", "--x"]);
        Assert.Equal(16, a.Int("--pages", 1, 1, 100));
        Assert.True(a.Flag("--json"));
        Assert.True(a.Flag("--json"));
        Assert.Equal(65536, a.Bytes("--size", 4096));
        Assert.Equal("0x1000", a.Positional());
        Assert.Equal(["prog", "--x"], a.Rest);
        a.End();
    }

    [Fact]
    public void Leftovers_are_rejected()
    {
        var a = new ArgReader(["--pagez", "3"]);
        var e = Assert.Throws<UsageException>(() => a.End());
        Assert.Contains("--pagez", e.Message);
    }

    [Fact]
    public void Out_of_range_values_say_the_range()
    {
        var a = new ArgReader(["--pages", "0"]);
        var e = Assert.Throws<UsageException>(() => a.Int("--pages", 16, 1, 4096));
        Assert.Contains("between 1 and 4096", e.Message);
    }
}

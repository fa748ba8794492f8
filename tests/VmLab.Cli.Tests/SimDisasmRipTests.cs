using System.Text.Json;
using System.Text.RegularExpressions;

namespace VmLab.Cli.Tests;

/// <summary>`sim disasm` shows a global reached rip-relative as objdump does: the displacement, then the
/// address and the symbol in a comment.</summary>
public sealed class SimDisasmRipTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-disasm-rip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_global_accessed_rip_relative_shows_displacement_address_and_symbol_in_both_syntaxes()
    {
        string src = Path.Combine(_dir, "g.c"), elf = Path.Combine(_dir, "g.elf");
        File.WriteAllText(src, "#include \"u-lib.h\"\nint tally;\nvoid process_main(void) {\n"
            + "    tally += 3;\n    console_printf(\"%d\\n\", tally);\n}\n");
        var cc = CliRunner.Run("sim", "cc", src, "-o", elf);
        Assert.True(cc.ExitCode == 0, cc.Err);

        string[] gnu = Texts(CliRunner.Run("sim", "disasm", elf, "--json"));
        string[] intel = Texts(CliRunner.Run("sim", "disasm", elf, "--syntax", "intel", "--json"));
        Assert.Contains(gnu, t => Regex.IsMatch(t, @"^\w+ .*0x[0-9a-f]+\(%rip\).*        # [0-9a-f]+ <tally>$"));
        Assert.Contains(intel, t => Regex.IsMatch(t, @"^\w+ .*\[rip\+0x[0-9a-f]+\].*        # [0-9a-f]+ <tally>$"));
        Assert.DoesNotContain(gnu, t => Regex.IsMatch(t, @"[ ,(]tally\b"));   // never the bare symbol as the operand
    }

    private static string[] Texts(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0 && r.Err.Length == 0, r.Err);
        return [.. JsonDocument.Parse(r.Out).RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()!)];
    }
}

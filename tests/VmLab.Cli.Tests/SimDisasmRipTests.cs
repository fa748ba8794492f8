using System.Text.Json;
using System.Text.RegularExpressions;

namespace VmLab.Cli.Tests;

/// <summary>`sim disasm` shows a global reached rip-relative as objdump does: the displacement, then the
/// address and the symbol in a comment.</summary>
public sealed class SimDisasmRipTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-disasm-rip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The `sim disasm --json` texts of a user program whose process_main is body, after a global.</summary>
    private string[] Disassembled(string name, string global, string body, params string[] args)
    {
        string src = Path.Combine(_dir, name + ".c"), elf = Path.Combine(_dir, name + ".elf");
        File.WriteAllText(src, $"#include \"u-lib.h\"\n{global}\nvoid process_main(void) {{\n{body}\n}}\n");
        var cc = CliRunner.Run("sim", "cc", src, "-o", elf);
        Assert.True(cc.ExitCode == 0, cc.Err);
        return Texts(CliRunner.Run(["sim", "disasm", elf, "--json", .. args]));
    }

    [Fact]
    public void A_global_accessed_rip_relative_shows_displacement_address_and_symbol_in_both_syntaxes()
    {
        const string Body = "    tally += 3;\n    console_printf(\"%d\\n\", tally);";
        string[] gnu = Disassembled("g", "int tally;", Body);
        string[] intel = Disassembled("g", "int tally;", Body, "--syntax", "intel");
        Assert.Contains(gnu, t => Regex.IsMatch(t, @"^\w+ .*0x[0-9a-f]+\(%rip\).*        # [0-9a-f]+ <tally>$"));
        Assert.Contains(intel, t => Regex.IsMatch(t, @"^\w+ .*\[rip\+0x[0-9a-f]+\].*        # [0-9a-f]+ <tally>$"));
        Assert.DoesNotContain(gnu, t => Regex.IsMatch(t, @"[ ,(]tally\b"));   // never the bare symbol as the operand
    }

    [Fact]
    public void An_element_past_the_start_of_a_global_reads_as_symbol_plus_offset_as_objdump_prints_it()
    {
        Assert.Contains(Disassembled("p", "long pair[2];", "    pair[1] += 3;\n    console_printf(\"%ld\\n\", pair[1]);"),
            t => Regex.IsMatch(t, @"\(%rip\)        # [0-9a-f]+ <pair\+0x8>$"));
    }

    [Fact]
    public void The_listing_fits_80_columns_with_long_instructions_continued_as_objdump_does()
    {
        var r = CliRunner.Run("sim", "disasm", "--builtin", "hello");
        Assert.True(r.ExitCode == 0, r.Err);
        string[] lines = r.Out.Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^  [0-9a-f]{8}  [0-9a-f ]{20}  mov %rdi,0x[0-9a-f]+\(%rip\)  # [0-9a-f]+ <process_arg>$"));
        // Intel's operand sizes make the line too long for the comment: it goes under the instruction
        var intel = CliRunner.Run("sim", "disasm", "--builtin", "hello", "--syntax", "intel").Out.Split('\n');
        Assert.All(intel, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        int movAt = Array.FindIndex(intel, l => Regex.IsMatch(l, @"^  [0-9a-f]{8}  [0-9a-f ]{20}  mov QWORD PTR \[rip\+0x[0-9a-f]+\],rdi$"));
        Assert.True(movAt >= 0, "no mov QWORD PTR [rip+...],rdi line");
        Assert.Matches(@"^ {34}# [0-9a-f]+ <process_arg>$", intel[movAt + 1]);
        // an instruction longer than seven bytes goes on with a line of its own at the next address
        int at = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^  [0-9a-f]{8}  (66 )+(2e )?0f 1f 84 .*nopw"));   // gcc's 9+ byte padding
        Assert.True(at >= 0 && at + 1 < lines.Length, "no multi-line nopw in hello's listing");
        Assert.Matches(@"^  [0-9a-f]{8}  ([0-9a-f]{2} ){6}[0-9a-f]{2}  (data16 )*(cs )?nopw", lines[at]);
        Assert.Matches(@"^  [0-9a-f]{8}  [0-9a-f]{2}( [0-9a-f]{2}){0,6}$", lines[at + 1]);
        Assert.Equal(Convert.ToUInt64(lines[at][2..10], 16) + 7, Convert.ToUInt64(lines[at + 1][2..10], 16));
    }

    private static string[] Texts(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0 && r.Err.Length == 0, r.Err);
        return [.. JsonDocument.Parse(r.Out).RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()!)];
    }
}

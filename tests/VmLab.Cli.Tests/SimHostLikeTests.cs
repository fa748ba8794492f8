using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>What a program does on the simulated machine is what it does on the host: its UTF-8 output reads as
/// the terminal would show it, and a smashed return address faults at the ret, where the host faults, as a
/// non-canonical address.</summary>
public sealed class SimHostLikeTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-hostlike-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Utf8_a_program_prints_reads_as_text_and_no_other_byte_is_lost()
    {
        string elf = _dir.Elf("utf8", "#include \"u-lib.h\"\nvoid process_main(void) { console_printf(\"h\\xc3\\xa9llo \\xe2\\x9c\\x93 \\xff\\xc3!\\n\"); }\n");
        var json = (JsonObject)JsonNode.Parse(CliRunner.Run("sim", "cpu", elf, "--json").Out)!;
        Assert.Equal("héllo ✓ \u00ff\u00c3!\n", (string)json["output"]!);
        Assert.Contains("héllo ✓", CliRunner.Run("sim", "cpu", elf).Out);
    }

    [Fact]
    public void A_smashed_return_address_faults_at_the_ret_as_non_canonical()
    {
        string elf = _dir.Elf("smash", """
            #include "u-lib.h"
            __attribute__((noinline)) static void victim(const char *s) { char buf[8]; strcpy(buf, s); __asm__ volatile("" :: "r"(buf) : "memory"); }
            void process_main(void) { victim("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); sys_exit(0); }
            """);
        var json = (JsonObject)JsonNode.Parse(CliRunner.Run("sim", "cpu", elf, "--json").Out)!;
        var fault = (JsonObject)((JsonArray)json["faults"]!)[0]!;
        Assert.Equal(0x4141414141414141UL, (ulong)fault["address"]!);
        Assert.Equal("non-canonical address", (string)fault["cause"]!);
        Assert.InRange((ulong)fault["rip"]!, 0x100000UL, 0x110000UL);     // the ret, not its target
        Assert.Equal("ret", (string)fault["instruction"]!);
    }
}

using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>
/// Reports stay a page whatever the program does. A program that forks and exits in a loop (WeensyOS's p-forkexit
/// does, for ever) makes thousands of processes: the table shows the first and last, every live one, and how the
/// rest ended, the verdict is one line, and --json lists them. A program that prints 1 MiB in one line shows 16 KiB.
/// </summary>
public sealed class SimBoundedReportTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-many-");

    public void Dispose() => _dir.Dispose();

    // 300 children, each exiting at once (a third with status 3); then the parent exits.
    private const string Forker = """
        #include "u-lib.h"
        void process_main(void) {
            for (int i = 0; i < 300; i++) {
                if (sys_fork() == 0)
                    sys_exit(i % 3 == 0 ? 3 : 0);
                sys_yield();
            }
            sys_exit(0);
        }
        """;

    // 4 KiB at a time, no newline, for ever: the kernel keeps the first 1 MiB of the console.
    private const string Printer = """
        #include "u-lib.h"
        void process_main(void) {
            char buf[4096];
            for (int i = 0; i < 4096; i++) buf[i] = 'A' + (i % 26);
            for (;;) sys_write(buf, sizeof buf);
        }
        """;

    [Fact]
    public void A_megabyte_printed_in_one_line_shows_its_first_16_KiB_and_says_so()
    {
        string elf = _dir.Elf("printer", Printer);
        foreach (string[] verb in new[] { new[] { "sim", "cpu", elf }, ["sim", "run", "--program", elf] })
        {
            var r = CliRunner.Run([.. verb, "--steps", "3000000"]);
            Assert.Equal(1, r.ExitCode);     // still running at the instruction limit, memory never full
            Assert.True(r.Out.Length < 24 * 1024, $"{string.Join(' ', verb[..2])}: {r.Out.Length} characters of report");
            Assert.Contains("console cut at 16,384 characters of 1,048,576 (see --json)", r.Out);
            Assert.Contains("ABCDEFGHIJ", r.Out);
        }
        Assert.Equal(1 << 20, CliRunner.Json("sim", "cpu", elf, "--steps", "3000000")["console"]!.GetValue<string>().Length);
    }

    [Fact]
    public void Hundreds_of_processes_make_a_report_of_a_page_and_a_verdict_of_a_line()
    {
        string elf = _dir.Elf("forker", Forker);

        var json = CliRunner.Json("sim", "run", "--program", elf);
        var processes = json["processes"]!.AsArray();
        Assert.Equal(301, processes.Count);     // every one, in the machine-readable output
        string verdict = json["verdict"]!.GetValue<string>();
        Assert.StartsWith("every program exited (forker: 0, forker: 3, forker: 0, forker: 0, forker: 3,", verdict);
        Assert.EndsWith(" and 293 more: 196 with status 0, 97 with status 3)", verdict);

        var human = CliRunner.Ok("sim", "run", "--program", elf);
        string table = human.Out[human.Out.IndexOf("Processes", StringComparison.Ordinal)..human.Out.IndexOf("Memory", StringComparison.Ordinal)];
        var rows = table.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.Contains("pid")).ToList();
        Assert.True(rows.Count <= 24, $"{rows.Count} rows:\n{table}");
        // the first ten and the last ten processes, and between them one line counting the rest by how they ended
        Assert.Equal(21, rows.Count);
        Assert.Matches(@"^\s+…\s+281 more\s+exit\(0\) ×187, exit\(3\) ×94\s*$", rows[10]);
        Assert.Contains("exit(3)", rows[1]);
        Assert.Contains("and 293 more: 196 with status 0, 97 with status 3", System.Text.RegularExpressions.Regex.Replace(human.Out, @"\s+", " "));
    }
}

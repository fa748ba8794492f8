using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>
/// A program that forks and exits in a loop (WeensyOS's p-forkexit does, for ever) makes thousands of processes:
/// the report stays a page (the first and last processes, every live one, and how the rest ended) and its verdict
/// one line, while --json still lists every process.
/// </summary>
public sealed class SimManyProcessesTests : IDisposable
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

    [Fact]
    public void Hundreds_of_processes_make_a_report_of_a_page_and_a_verdict_of_a_line()
    {
        string elf = Path.Combine(_dir.Path, "forker.elf");
        CliRunner.Ok("sim", "cc", _dir.Write("forker.c", Forker), "-o", elf);

        var json = CliRunner.Json("sim", "run", "--program", elf, "--json");
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

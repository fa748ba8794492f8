using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>
/// Programs that never exit, as WeensyOS's do: `sim run --program` and `sim cpu` end them with a verdict saying what
/// was observed (still running, memory full or not, no leak, no checker error), CONFIRMED with exit 0, instead of
/// spinning into the time limit. A run cut short before such an end state stays NOT CONFIRMED (exit 1).
/// </summary>
public sealed class SimForeverTests : IDisposable
{
    private readonly TempDir _dir = new("vmlab-forever-");

    public void Dispose() => _dir.Dispose();

    // Yields forever from the start: nothing allocated, nothing printed.
    private const string Yielder = """
        #include "u-lib.h"
        void process_main(void) {
            for (;;) sys_yield();
        }
        """;

    // Three forks make four processes; each maps heap pages until the kernel says no, then yields forever.
    private const string Filler = """
        #include "u-lib.h"
        void process_main(void) {
            sys_fork();
            sys_fork();
            for (char* p = (char*) HEAP_START; p < (char*) STACK_LIMIT && sys_page_alloc(p) == 0; p += PAGESIZE)
                *p = (char) sys_getpid();
            for (;;) sys_yield();
        }
        """;

    // forkexit-like churn: pid 1 forks whenever it can; each child maps pages until refused, then exits.
    private const string Churn = """
        #include "u-lib.h"
        void process_main(void) {
            for (;;) {
                if (sys_fork() == 0) {
                    for (char* p = (char*) HEAP_START; p < (char*) STACK_LIMIT && sys_page_alloc(p) == 0; p += PAGESIZE)
                        *p = 1;
                    sys_exit(0);
                }
                sys_yield();
            }
        }
        """;

    private static JsonNode Run(int exit, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(exit == r.ExitCode, $"exit {r.ExitCode}: {r.Out}{r.Err}");
        return JsonNode.Parse(r.Out)!;
    }

    [Fact]
    public void A_program_that_only_yields_stops_as_soon_as_nothing_changes_and_is_confirmed()
    {
        string elf = _dir.Elf("yielder", Yielder);
        var j = Run(0, "sim", "run", "--program", elf, "--json");
        Assert.True(j["passed"]!.GetValue<bool>());
        Assert.False(j["out_of_time"]!.GetValue<bool>());
        Assert.True(j["steps"]!.GetValue<long>() < 1_000_000, $"{j["steps"]} instructions");     // not the 50 M default
        string verdict = j["verdict"]!.GetValue<string>();
        Assert.StartsWith("1 process(es) still running after ", verdict);
        Assert.Contains("yielding forever", verdict);
        Assert.Contains("memory was never full", verdict);
        Assert.EndsWith("0 leaked frames, 0 checker errors", verdict);

        var cpu = Run(0, "sim", "cpu", elf, "--json");
        Assert.StartsWith("yielding forever after ", cpu["stop_reason"]!.GetValue<string>());
        Assert.False(cpu["exited"]!.GetValue<bool>());
        Assert.True(cpu["passed"]!.GetValue<bool>());
    }

    [Fact]
    public void Processes_that_fill_memory_then_yield_forever_are_confirmed_with_memory_full()
    {
        string elf = _dir.Elf("filler", Filler);
        var j = Run(0, "sim", "run", "--program", elf, "--json");
        Assert.Equal(4, j["processes"]!.AsArray().Count);
        Assert.Equal(0UL, j["min_free_frames"]!.GetValue<ulong>());
        Assert.Equal(0, j["leaked_frames"]!.GetValue<int>());
        Assert.Empty(j["checker_errors"]!.AsArray());
        string verdict = j["verdict"]!.GetValue<string>();
        Assert.StartsWith("4 process(es) still running after ", verdict);
        Assert.Contains("yielding forever", verdict);
        Assert.Matches(@"memory was full \(the kernel refused [1-9][0-9]* allocation\(s\); fewest free frames 0\)", verdict);

        var human = CliRunner.Run("sim", "run", "--program", elf);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("CONFIRMED", human.Out);
        Assert.DoesNotContain("NOT CONFIRMED", human.Out);
    }

    [Fact]
    public void Churn_that_never_ends_is_confirmed_at_the_instruction_limit_once_memory_was_full()
    {
        string elf = _dir.Elf("churn", Churn);
        var j = Run(0, "sim", "run", "--program", elf, "--steps", "300000", "--json");
        Assert.Equal(300_000, j["steps"]!.GetValue<long>());
        Assert.True(j["processes"]!.AsArray().Count > 16, "pids were reused: children exited and others took their slots");
        Assert.Equal(0, j["leaked_frames"]!.GetValue<int>());
        string verdict = j["verdict"]!.GetValue<string>();
        Assert.Contains("the instruction limit stopped the run", verdict);
        Assert.Contains("memory was full", verdict);
        Assert.EndsWith("0 leaked frames, 0 checker errors", verdict);

        // Cut short before memory was ever full: nothing says the program would run forever.
        var cut = Run(1, "sim", "run", "--program", elf, "--steps", "300", "--json");
        Assert.False(cut["passed"]!.GetValue<bool>());
        Assert.EndsWith("still running after 300 instructions (raise --steps)", cut["verdict"]!.GetValue<string>());
    }
}

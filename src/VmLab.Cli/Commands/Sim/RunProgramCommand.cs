using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim run --program A.elf[,B.elf]</c>: a user's own programs as processes on the teaching kernel.</summary>
internal static class RunProgramCommand
{
    public const string JsonKeys =
        "--program: {\"scenario\":\"program\",\"steps\",\"out_of_time\",\"processes\":[{\"pid\",\"name\",\"state\",\"exit_status\",\"kill_reason\",…}],\"processes_created\",\"faults\",\"fault_count\",\"free_frames_before\",\"free_frames_after\",\"leaked_frames\",\"checker_errors\",\"console\",\"passed\",\"verdict\",…}";

    /// <summary>Gives the run group its own action: with --program it runs those ELF files; without, it asks for a scenario.</summary>
    public static Verb Attach(Verb group)
    {
        var programs = Opt.Text("--program", "run your own static x86-64 ELF programs (from 'vmlab sim cc'), comma-separated, each spawned in order", "A.elf[,B.elf]");
        var steps = Opt.Int("--steps", "instruction budget (with --program)", 50_000_000, 1, 10_000_000_000);
        var trace = Opt.Flag("--trace", "list kernel events (with --program): context switches, syscalls, faults");
        var timeout = TimeLimit.Option();
        return group.Takes(programs, steps, trace, timeout).Does(ctx =>
        {
            string list = ctx.Get(programs) ?? throw new UsageException("name a scenario (see 'vmlab sim run --help') or give --program A.elf[,B.elf]");
            string[] files = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (files.Length == 0) throw new UsageException("--program: no file named");
            if (files.Length > 16) throw new UsageException($"--program: {files.Length} programs, at most 16 run at once");
            var images = files.Select(f => (Name: Path.GetFileNameWithoutExtension(f), Image: ElfInput.Load(f))).ToArray();
            var k = ElfInput.Boot(images, ctx.Get(trace), TimeLimit.Get(ctx, timeout));
            ctx.Progress("running programs", () => k.Run(ctx.Get(steps)));
            var result = Scenario.Programs(k);
            return ctx.Emit(result, result.Passed, rep =>
            {
                rep.Title($"vmlab sim run --program {string.Join(',', files.Select(f => Path.GetFileName(f)))}");
                rep.Explain("Each program is a process with its own page table; its x86-64 machine code runs on the simulated " +
                            "CPU through the MMU and TLB, the timer preempting it, the kernel serving its syscalls.");
                if (ctx.Get(trace))
                {
                    rep.Section("Kernel events");
                    foreach (string line in k.TraceLog) rep.Line("  " + line);
                }
                rep.Section("Console");
                rep.Printed(k.Console, 200);
                rep.Section("Processes");
                rep.Table(["pid", "name", "instructions", "syscalls", "end"], ProcessRows(result));
                rep.Section("Memory");
                rep.Fact("instructions executed", k.Instructions);
                rep.Fact("free frames at boot / at the end", $"{k.FreeFramesAtBoot} / {k.Frames.FreeFrames}");
                rep.Verdict(result.Passed, result.Verdict);
            });
        });
    }

    /// <summary>A row per process when there are few; else the first and last <see cref="Shown"/>, every one still
    /// alive, and in each gap how many ended and how (a program that forks and exits in a loop makes thousands:
    /// --json lists the first 4096 and those alive after them).</summary>
    internal static IEnumerable<IReadOnlyList<string>> ProcessRows(ScenarioResult result)
    {
        const int Shown = 10;
        var all = result.Processes;
        long unkept = result.ProcessesCreated - all.Count;   // created after the records' end and gone: counted only
        int skipped = 0;
        var ends = new Dictionary<string, int>();
        for (int i = 0; i <= all.Count; i++)
        {
            // the kept records end at ProcessesKept: the live processes after them, if any, follow the unkept line
            bool notKept = i == result.ProcessesKept && unkept > 0;
            if (!notKept && i < all.Count && all.Count > 4 * Shown && i >= Shown && i < result.ProcessesKept - Shown
                && all[i].State is not ("runnable" or "blocked"))
            {
                string end = End(all[i]);
                skipped++;
                ends[end] = ends.GetValueOrDefault(end) + 1;
                continue;
            }
            if (skipped > 0) yield return Gap(skipped, ends);
            (skipped, ends) = (0, []);
            if (notKept) yield return ["…", $"{unkept:N0} more", "", "", "ended (not kept)"];
            if (i < all.Count) yield return [all[i].Pid.ToString(), all[i].Name, all[i].Instructions.ToString(), all[i].Syscalls.ToString(), End(all[i])];
        }
    }

    private static string End(ProcessSummary p) => p.KillReason ?? (p.ExitStatus is { } s ? $"exit({s})" : p.State);

    // "…  12,345 more  exit(0) ×12,000, exit(1) ×345": the commonest ends first, at most three
    private static IReadOnlyList<string> Gap(int skipped, Dictionary<string, int> ends)
    {
        var common = ends.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).ToList();
        string how = string.Join(", ", common.Take(3).Select(e => $"{e.Key} ×{e.Value:N0}")) + (common.Count > 3 ? ", …" : "");
        return ["…", $"{skipped:N0} more", "", "", how];
    }
}

using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim run --program A.elf[,B.elf]</c>: a user's own programs as processes on the teaching kernel.</summary>
internal static class RunProgramCommand
{
    public const string JsonKeys =
        "--program: {\"scenario\":\"program\",\"steps\",\"out_of_time\",\"processes\":[{\"pid\",\"name\",\"state\",\"exit_status\",\"kill_reason\",…}],\"faults\",\"free_frames_before\",\"free_frames_after\",\"leaked_frames\",\"checker_errors\",\"console\",\"passed\",\"verdict\",…}";

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
                if (k.Console.Length == 0) rep.Line("  (nothing printed)");
                else foreach (string line in k.Console.TrimEnd('\n').Split('\n').Take(200)) rep.Line("  | " + line);
                rep.Section("Processes");
                rep.Table(["pid", "name", "instructions", "syscalls", "end"],
                    k.History.Select(p => (IReadOnlyList<string>)[p.Pid.ToString(), p.Name, p.Instructions.ToString(), p.Syscalls.ToString(),
                        p.KillReason ?? (p.ExitStatus is { } s ? $"exit({s})" : p.State.ToString().ToLowerInvariant())]));
                rep.Section("Memory");
                rep.Fact("instructions executed", k.Instructions);
                rep.Fact("free frames at boot / at the end", $"{k.FreeFramesAtBoot} / {k.Frames.FreeFrames}");
                rep.Verdict(result.Passed, result.Verdict);
            });
        });
    }
}

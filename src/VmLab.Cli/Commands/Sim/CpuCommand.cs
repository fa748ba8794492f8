using VmLab.Sim.Scenarios;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cpu</c>: one x86-64 program as the only process on the teaching kernel.</summary>
internal static class CpuCommand
{
    /// <summary>Instructions --trace lists at most (the run itself goes on to the budget).</summary>
    private const int MaxTrace = 10_000;

    /// <summary>The default budget: far past any program that runs to its end (a compute program of a few hundred
    /// million to billions of instructions), so a run ends when the program does; --timeout bounds the time.</summary>
    private const long DefaultSteps = 10_000_000_000, MaxSteps = 1_000_000_000_000;

    public static Verb Create()
    {
        var input = new ProgramInput();
        var stepsOption = Opt.Int("--steps", "stop after N instructions (the run ends sooner when the program does, or at --timeout)", DefaultSteps, 1, MaxSteps);
        var traceOption = Opt.Flag("--trace", $"list every instruction executed (objdump's GNU syntax, the first {MaxTrace}) with the registers, flags and memory it wrote");
        var timeOption = TimeLimit.Option();
        return new Verb("cpu", "run one x86-64 program (an ELF file or a built-in C program) on the simulated CPU",
            """
            Boots the teaching kernel with the program as its only process: the static x86-64 ELF's segments are
            mapped into the process's own page table, and its machine code runs on the simulated x86-64 CPU,
            every fetch, load and store through the MMU and TLB. syscall hands control to the kernel (write,
            exit, getpid, page_alloc, fork, ...: docs/isa.md). The run ends when the program exits or is killed,
            or after --steps N instructions (default 10 G: a compute program of billions of instructions runs to its
            end) or --timeout seconds (default 30), whichever comes first. The verdict is sim run --program's for the same run: confirmed when
            every process exited (with any status), none was killed, and memory is clean; a program that never exits
            (a WeensyOS program yielding forever) is confirmed too when it only yields, nothing changing, for 2000
            kernel entries (the run stops there), or is still running at --steps or --timeout after memory was full,
            nothing killed and memory clean. A run cut short before either is not (exit 1). FILE comes from 'vmlab sim cc'; --builtin runs one of the kernel's own C
            programs (native/user/p-NAME.c), compiled into vmlab.
            """,
            """{"program","instructions","stop_reason","out_of_time","exited","exit_status","kill_reason","output","console","syscalls","faults":[{"pid","kind","address","access","error_code","rip","killed","message","cause","where","instruction","vector","signal"}],"trace":[{"address","text","registers":{"rax":"0x…",…},"flags","memory":[{"address","size","value"}]}],"trace_truncated","passed","verdict","leaked_frames","checker_errors"}""",
            "vmlab sim cpu --builtin hello", "vmlab sim cpu --builtin allocator --trace --steps 50", "vmlab sim cpu prog.elf --json")
        {
            Tour = new("User programs are real x86-64 machine code, compiled from C. The simulated CPU fetches each " +
                       "instruction through the MMU and TLB, decodes it with Iced and executes it; 'syscall' stops the " +
                       "CPU and hands the request to the teaching kernel, which prints, maps pages or ends the process.",
                       "--builtin", "hello"),
        }.Takes([.. input.Symbols, stepsOption, traceOption, timeOption]).Does(ctx =>
        {
            var (display, name, image) = input.Read(ctx);
            long steps = ctx.Get(stepsOption);
            bool trace = ctx.Get(traceOption);
            var limit = TimeLimit.Get(ctx, timeOption);
            var k = ElfInput.Boot([(name, image)], trace: false, limit);
            var lines = trace ? StepTrace.Run(k, 1, image, steps, MaxTrace) : [];
            ctx.Progress($"running {name}", () => k.Run(Math.Max(0, steps - k.Instructions)));
            var p = k.History[0];
            var result = Scenario.Programs(k);     // the verdict sim run --program gives the same run
            bool ok = result.Passed;
            string end = p.KillReason is { } why ? $"killed: {why}" : p.ExitStatus is { } s ? $"exit({s})"
                : k.Panic is { } panic ? $"kernel panic: {panic}"
                : k.Idle ? $"yielding forever after {k.Instructions} instructions: the same registers at each yield, memory unchanged" : k.OutOfTime ? TimeLimit.Stopped(limit, k.Instructions) : $"still running after {k.Instructions} instructions (raise --steps)";
            var json = new CpuJson(display, p.Instructions, end, k.OutOfTime, p.ExitStatus is not null, p.ExitStatus, p.KillReason,
                k.Console, k.Console, p.Syscalls, k.Faults,
                trace ? lines.Select(l => new CpuTraceJson(l.Line.Address, l.Line.Text, l.Registers, l.Flags, l.Memory)) : null,
                trace && lines.Count >= MaxTrace, result.Passed, result.Verdict, result.LeakedFrames, result.CheckerErrors);
            return ctx.Emit(json, ok, rep =>
            {
                rep.Title($"vmlab sim cpu: {display}");
                rep.Explain("The program runs as one process on the teaching kernel: its x86-64 machine code executes on " +
                            "the simulated CPU through its own page table; syscalls go to the kernel.");
                if (trace)
                {
                    rep.Section("Trace");
                    foreach (var step in lines)
                    {
                        var l = step.Line;
                        if (image.LabelAt(l.Address) is { } label && image.Symbols.TryGetValue(label, out ulong at) && at == l.Address)
                            rep.Line($"{label}:");
                        rep.Line($"  {l.Address:x8}  {l.Text}");
                        if (step.Changes.Length > 0) rep.Line($"            -> {step.Changes}");
                    }
                    if (lines.Count >= MaxTrace) rep.Note($"trace shows the first {lines.Count} instructions only");
                }
                rep.Section("Console output");
                rep.Printed(k.Console, 200);
                rep.Section("How it stopped");
                rep.Fact("instructions executed", p.Instructions);
                rep.Fact("syscalls", p.Syscalls);
                rep.Fact("stop reason", end);
                rep.Verdict(ok, result.Verdict);
            });
        });
    }
}

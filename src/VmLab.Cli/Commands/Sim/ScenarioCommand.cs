using System.CommandLine;
using System.CommandLine.Parsing;
using VmLab.Sim.Kernel;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim run NAME</c>: the teaching-kernel scenarios, one sub-verb each.</summary>
internal static class ScenarioCommand
{
    /// <summary>The <c>run</c> group: every scenario as a sub-verb, in teaching order.</summary>
    public static Verb Group() => RunProgramCommand.Attach(new Verb("run", "run a teaching-kernel scenario (hello, fork, spawn, ...)",
        """
        Scenarios on the WeensyOS-style teaching kernel. Each boots a fresh simulated machine (2 MiB of physical
        memory, kernel_pagetable with a supervisor-only identity map and a user-writable console), starts user
        programs written in C (native/user/p-*.c, compiled to static x86-64 ELF), runs their machine code on the
        simulated x86-64 CPU through the MMU and TLB with timer preemption, then checks memory: leaked frames, freed-but-mapped frames, kernel frames
        mapped for users, writable frames shared between processes. Deterministic. Every scenario takes
        --steps N (instruction budget), --timeout N (seconds of wall time, default 30), --trace (kernel events),
        --view (memory maps) and --json.
        Your own programs: 'vmlab sim run --program A.elf[,B.elf]' (build them with 'vmlab sim cc') starts each as a
        process in order and reports the same JSON, with each process's exit_status and the console.
        """,
        RunProgramCommand.JsonKeys,
        "vmlab sim run hello", "vmlab sim run fork --cow", "vmlab sim run pipe --kernel naive --messages 50",
        "vmlab sim run --program prog.elf,other.elf --json")
        .Takes([.. Scenarios.All.Select(s => Create(s.Name, s.Summary))]));

    /// <summary>A scenario's own options (beyond the common ones) and its tour step.</summary>
    private sealed record Extra(Symbol[] Options, Func<Ctx, ScenarioOptions, ScenarioOptions> Apply, TourStep? Tour, string Json = "");

    private static Extra ExtraFor(string name)
    {
        switch (name)
        {
            case "fork":
                var naive = Opt.Flag("--naive", "fork with copy_mappings only (seed 003 E2): the checker must flag it");
                var cow = Opt.Flag("--cow", "copy-on-write fork: pages shared read-only, copied on the first write");
                return new([naive, cow], (ctx, o) => ctx.Get(naive) && ctx.Get(cow)
                    ? throw new UsageException("--naive and --cow are different forks: pick one")
                    : o with { Naive = ctx.Get(naive), CopyOnWrite = ctx.Get(cow) },
                    new("fork makes a child with its own page table: writable pages are copied, read-only ones " +
                        "shared. The child writes x = 2; the parent still reads x = 1. Try --naive to see why " +
                        "copying the mappings alone is not enough, and --cow for copy-on-write."));
            case "forkexit":
                var count = Opt.Int("--count", "fork/exit cycles", 2000, 1, 1_000_000);
                return new([count], (ctx, o) => o with { Count = (int)ctx.Get(count) },
                    new("Thousands of fork/exit cycles: exit must give back every page and every page-table page, " +
                        "or free memory shrinks a little each time. leaked_frames must be 0.", "--count", "1000"));
            case "friends":
                var vulnerable = Opt.Flag("--vulnerable", "the handout kernel: page_alloc zeroes whatever page it is given");
                return new([vulnerable], (ctx, o) => o with { Vulnerable = ctx.Get(vulnerable) },
                    new("A confused deputy: eve passes the address of alice's page table to page_alloc. The fixed " +
                        "kernel checks that the address is a user page the caller may own and returns -1; alice " +
                        "runs on. (--vulnerable shows the kernel wiping alice's page table for eve.)"),
                    "; adds {\"attack_succeeded\",\"alice_progress\",\"eve_status\"}");
            case "pipe":
                var kernel = Opt.Choice("--kernel", "naive: 1 byte per call, busy polling (the handout); blocking: sleep on an " +
                    "empty or full pipe; batching: whole messages per call; best: batching + blocking + handing the CPU to " +
                    "the woken reader", "best", "naive", "blocking", "batching", "best");
                var messages = Opt.Int("--messages", "messages to send", 100, 1, 1_000_000);
                return new([kernel, messages], (ctx, o) => o with
                {
                    Pipe = ctx.Get(kernel) switch
                    {
                        "naive" => PipeKernel.Naive,
                        "blocking" => PipeKernel.Blocking,
                        "batching" => PipeKernel.Batching,
                        _ => PipeKernel.Best,
                    },
                    Messages = (int)ctx.Get(messages),
                },
                    new("H2: the same two programs through four kernels. Blocking, batching and scheduling each cut " +
                        "the syscalls a message costs; together they reach the minimum, one write and one read.",
                        "--kernel", "best", "--messages", "200"),
                    "; adds {\"kernel\",\"messages\",\"messages_delivered\",\"intact\",\"syscalls_per_message\",\"instructions\"}");
            case "inspect":
                return Plain(new("B1-B5: where syscall_entry, kernel_pagetable and a program's entry map, with which " +
                    "permission bits, before and after process_setup. No PTE_U on kernel pages is kernel isolation."));
            case "bigdata":
                return Plain(new("C1: one mapping change in process setup, and not one byte of memory written, changes what " +
                    "bigdata prints to \"CS 61 Is Amazing\"."));
            case "spawn":
                return Plain(new("F1: spawn(\"alice\") twice. Each copy has its own page table, so both run at virtual " +
                    "address 0x100000 on different frames, interleaved by the timer."));
            case "hello":
                return Plain(new("The teaching kernel runs a user program with its own page table; exit gives every frame back."));
            default:
                return Plain(null);
        }
    }

    private static Extra Plain(TourStep? tour) => new([], (_, o) => o, tour);

    private static Verb Create(string name, string summary)
    {
        var extra = ExtraFor(name);
        var steps = Opt.Int("--steps", "instruction budget", 50_000_000, 1, 10_000_000_000);
        var trace = Opt.Flag("--trace", "list kernel events: context switches, syscalls with arguments and results, faults");
        var timeout = TimeLimit.Option();
        var view = Opt.Flag("--view", "show memory WeensyOS-style as it fills (each quarter of free memory used), at its " +
            "fullest and at the end: physical frames by owner and each live process's virtual pages (legend: 'vmlab sim memory --help')");
        var colour = new ColourOptions();
        return new Verb(name, summary, "",
            "{\"scenario\",\"steps\",\"out_of_time\",\"processes\":[…],\"faults\":[…],\"free_frames_before\",\"free_frames_after\",\"leaked_frames\",\"checker_errors\":[…],\"console\",\"passed\",\"verdict\",…}" + extra.Json,
            $"vmlab sim run {name}" + (extra.Tour is { Args.Length: > 0 } t ? " " + string.Join(' ', t.Args) : ""),
            $"vmlab sim run {name} --trace --json")
        {
            Tour = extra.Tour,
        }.Takes([.. extra.Options, steps, trace, timeout, view, colour.On, colour.Off]).Does(ctx =>
        {
            RefuseRunOptions(ctx, name);
            var o = new ScenarioOptions { Steps = ctx.Get(steps), WallTime = TimeLimit.Get(ctx, timeout), Trace = ctx.Get(trace), View = ctx.Get(view) };
            bool colours = colour.Resolve(ctx);
            if (!o.View && (ctx.Given(colour.On) || ctx.Given(colour.Off)))
                throw new UsageException("--color and --no-color choose how --view draws memory: add --view");
            o = extra.Apply(ctx, o) with { ViewColor = o.View && colours };
            ScenarioResult r = ctx.Progress($"running scenario {name}", () => Scenarios.Run(name, o));
            var json = new
            {
                r.Scenario,
                r.Steps,
                r.OutOfTime,
                r.Processes,
                r.Faults,
                r.FreeFramesBefore,
                r.FreeFramesAfter,
                r.MinFreeFrames,
                r.LeakedFrames,
                r.CheckerErrors,
                r.Console,
                r.Panic,
                r.Syscalls,
                r.ContextSwitches,
                Facts = r.Facts.ToDictionary(f => f.Key, f => f.Value),
                Tables = r.Tables,
                Kernel = r.PipeRun?.Kernel,
                Messages = r.PipeRun?.Messages,
                MessagesDelivered = r.PipeRun?.MessagesDelivered,
                Intact = r.PipeRun?.Intact,
                SyscallsPerMessage = r.PipeRun?.SyscallsPerMessage,
                PipeSyscalls = r.PipeRun?.PipeSyscalls,
                Instructions = r.Steps,
                r.AttackSucceeded,
                r.AliceProgress,
                r.EveStatus,
                r.Passed,
                r.Verdict,
                Trace = o.Trace ? r.Trace : null,
                Views = o.View ? r.Views : null,
            };
            return ctx.Emit(json, r.Passed, rep => WriteReport(rep, r, o.Trace));
        });
    }

    /// <summary>Options given to 'sim run' itself (before the scenario's name) belong to --program runs; a scenario
    /// would silently ignore them, so they are bad input.</summary>
    private static void RefuseRunOptions(Ctx ctx, string name)
    {
        if (ctx.Parse.CommandResult.Parent is not CommandResult run) return;
        var given = run.Children.OfType<OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name).ToList();
        if (given.Contains("--program"))
            throw new UsageException($"give a scenario ('{name}') or --program, not both");
        if (given.Count > 0)
            throw new UsageException($"{given[0]} before the scenario name is an option of 'sim run --program': put it after '{name}'");
    }

    private static void WriteReport(Report rep, ScenarioResult r, bool trace)
    {
        rep.Title($"vmlab sim run {r.Scenario}");
        rep.Explain(r.Description);
        if (trace)
        {
            rep.Section("Kernel events");
            foreach (string line in r.Trace) rep.Line("  " + line);
        }
        rep.Section("Console");
        if (r.Console.Length == 0) rep.Line("  (nothing printed)");
        else
        {
            var lines = r.Console.TrimEnd('\n').Split('\n');
            foreach (string line in lines.Take(40)) rep.Line("  | " + line);
            if (lines.Length > 40) rep.Note($"{lines.Length - 40} more console lines (see --json)");
        }
        foreach (var t in r.Tables)
        {
            rep.Section(t.Title);
            rep.Table(t.Headers, t.Rows);
        }
        if (r.Facts.Count > 0)
        {
            rep.Section("Observed");
            foreach (var f in r.Facts) rep.Fact(f.Key, f.Value);
        }
        foreach (var v in r.Views)
        {
            rep.Section($"Memory {v.Moment}, after {v.Instruction} instructions");
            rep.Line(v.Text.TrimEnd());
        }
        rep.Section("Processes");
        var procs = r.Processes.Count > 12 ? r.Processes.Take(6).Concat(r.Processes.TakeLast(6)).ToList() : r.Processes;
        rep.Table(["pid", "name", "state", "parent", "page table", "instructions", "syscalls", "end"],
            procs.Select(p => (IReadOnlyList<string>)[p.Pid.ToString(), p.Name, p.State, p.Parent.ToString(), p.PageTableRoot,
                p.Instructions.ToString(), p.Syscalls.ToString(), p.KillReason ?? (p.ExitStatus is { } s ? $"exit({s})" : "-")]));
        if (r.Processes.Count > 12) rep.Note($"{r.Processes.Count} processes in all; first and last 6 shown");
        rep.Section("Memory");
        rep.Fact("instructions executed", r.Steps);
        rep.Fact("syscalls / context switches", $"{r.Syscalls} / {r.ContextSwitches}");
        rep.Fact("free frames at boot / at the end", $"{r.FreeFramesBefore} / {r.FreeFramesAfter} (lowest {r.MinFreeFrames})");
        rep.Fact("leaked frames", r.LeakedFrames);
        rep.Fact("user faults", r.Faults.Count);
        if (r.Panic is not null) rep.Fact("KERNEL PANIC", r.Panic);
        if (r.CheckerErrors.Count == 0) rep.Fact("memory checker", "no problems");
        else
        {
            rep.Fact("memory checker", $"{r.CheckerErrors.Count} problem(s)");
            foreach (string e in r.CheckerErrors.Take(10)) rep.Line("    - " + e);
        }
        rep.Verdict(r.Passed, r.Verdict);
    }
}

using VmLab.Cli.Framework;
using VmLab.Sim.Kernel;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim run NAME</c>: one teaching-kernel scenario (a sub-verb of the <c>run</c> group).</summary>
internal sealed class ScenarioCommand(string name, string summary, string extraUsage, string extraHelp, TourStep? tour) : ICommand
{
    public string Name => name;

    public string Summary => summary;

    public TourStep? Tour => tour;

    /// <summary>The <c>run</c> group: every scenario as a sub-verb, in teaching order.</summary>
    public static ICommand Group() => new CommandGroup("run", "run a teaching-kernel scenario (hello, fork, spawn, ...)",
        """
        vmlab sim run - scenarios on the WeensyOS-style teaching kernel. Each boots a fresh simulated machine
        (2 MiB of physical memory, kernel_pagetable with a supervisor-only identity map and a user-writable
        console), starts user programs written in the project's assembly language, runs them on the simulated
        CPU through the MMU and TLB with timer preemption, then checks memory: leaked frames, freed-but-mapped
        frames, kernel frames mapped for users, writable frames shared between processes. Deterministic.
        Every scenario takes --steps N (instruction budget), --trace (kernel events) and --json.
        """,
        [.. Scenarios.All.Select(s => Create(s.Name, s.Summary))]);

    private static ScenarioCommand Create(string name, string summary) => name switch
    {
        "fork" => new(name, summary, " [--naive | --cow]",
            "  --naive          fork with copy_mappings only (seed 003 E2): the checker must flag it\n" +
            "  --cow            copy-on-write fork: pages shared read-only, copied on the first write\n",
            new TourStep("fork makes a child with its own page table: writable pages are copied, read-only ones " +
                         "shared. The child writes x = 2; the parent still reads x = 1. Try --naive to see why " +
                         "copying the mappings alone is not enough, and --cow for copy-on-write.", [])),
        "forkexit" => new(name, summary, " [--count N]", "  --count N        fork/exit cycles (default 2000)\n",
            new TourStep("Thousands of fork/exit cycles: exit must give back every page and every page-table page, " +
                         "or free memory shrinks a little each time. leaked_frames must be 0.", ["--count", "1000"])),
        "friends" => new(name, summary, " [--vulnerable]",
            "  --vulnerable     the handout kernel: page_alloc zeroes whatever page it is given\n" +
            "JSON adds {\"attack_succeeded\",\"alice_progress\",\"eve_status\"}.\n",
            new TourStep("A confused deputy: eve passes the address of alice's page table to page_alloc. The fixed " +
                         "kernel checks that the address is a user page the caller may own and returns -1; alice " +
                         "runs on. (--vulnerable shows the kernel wiping alice's page table for eve.)", [])),
        "pipe" => new(name, summary, " [--kernel naive|blocking|batching|best] [--messages N]",
            "  --kernel K       naive: 1 byte per call, busy polling (the handout); blocking: sleep on an empty or\n" +
            "                   full pipe; batching: whole messages per call; best: batching + blocking + handing\n" +
            "                   the CPU to the woken reader (default)\n" +
            "  --messages N     messages to send (default 100)\n" +
            "JSON adds {\"kernel\",\"messages\",\"messages_delivered\",\"intact\",\"syscalls_per_message\",\"instructions\"}.\n",
            new TourStep("H2: the same two programs through four kernels. Blocking, batching and scheduling each cut " +
                         "the syscalls a message costs; together they reach the minimum, one write and one read.",
                         ["--kernel", "best", "--messages", "200"])),
        "inspect" => new(name, summary, "", "",
            new TourStep("B1-B5: where syscall_entry, kernel_pagetable and a program's entry map, with which " +
                         "permission bits, before and after process_setup. No PTE_U on kernel pages is kernel isolation.", [])),
        "bigdata" => new(name, summary, "", "",
            new TourStep("C1: one mapping change in process setup, and not one byte of memory written, changes what " +
                         "bigdata prints to \"CS 61 Is Amazing\".", [])),
        "spawn" => new(name, summary, "", "",
            new TourStep("F1: spawn(\"alice\") twice. Each copy has its own page table, so both run at virtual " +
                         "address 0x100000 on different frames, interleaved by the timer.", [])),
        _ => new(name, summary, "", "", name == "hello"
            ? new TourStep("The teaching kernel runs a user program with its own page table; exit gives every frame back.", [])
            : null),
    };

    public string Help => $"""
        usage: vmlab sim run {name}{extraUsage} [--steps N] [--trace] [--view [--color|--no-color]] [--json]

        {summary}.

        {extraHelp}  --steps N        instruction budget (default 50000000)
          --trace          list kernel events: context switches, syscalls with arguments and results, faults
          --view           show memory WeensyOS-style as it fills (each quarter of free memory used), at its
                           fullest and at the end: physical frames by owner
                           (K kernel, R reserved, C console, P page table, S shared, digits: pids) and each live
                           process's virtual pages (see 'vmlab sim memory --help' for the legend)
          --json           {"{"}"scenario","steps","processes":[…],"faults":[…],"free_frames_before","free_frames_after",
                            "leaked_frames","checker_errors":[…],"console","passed","verdict",…{"}"}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        var o = new ScenarioOptions
        {
            Steps = ctx.Args.Int("--steps", 50_000_000, 1, 10_000_000_000),
            Trace = ctx.Args.Flag("--trace"),
            Naive = name == "fork" && ctx.Args.Flag("--naive"),
            CopyOnWrite = name == "fork" && ctx.Args.Flag("--cow"),
            Count = name == "forkexit" ? (int)ctx.Args.Int("--count", 2000, 1, 1_000_000) : 2000,
            Vulnerable = name == "friends" && ctx.Args.Flag("--vulnerable"),
            Pipe = name == "pipe" ? PipeVariant(ctx.Args.Option("--kernel")) : PipeKernel.Best,
            Messages = name == "pipe" ? (int)ctx.Args.Int("--messages", 100, 1, 1_000_000) : 100,
            View = ctx.Args.Flag("--view"),
        };
        bool color = SimArgs.Color(ctx);
        o = o with { ViewColor = o.View && !json && color };
        ctx.Args.End();
        if (o.Naive && o.CopyOnWrite) throw new UsageException("--naive and --cow are different forks: pick one");

        ScenarioResult r = Scenarios.Run(name, o);
        if (json)
        {
            ctx.WriteJson(new
            {
                r.Scenario,
                r.Steps,
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
            });
            return r.Passed ? 0 : 1;
        }
        WriteReport(ctx.Report(), r, o.Trace);
        return r.Passed ? 0 : 1;
    }

    private static PipeKernel PipeVariant(string? text) => text switch
    {
        null or "best" => PipeKernel.Best,
        "naive" => PipeKernel.Naive,
        "blocking" => PipeKernel.Blocking,
        "batching" => PipeKernel.Batching,
        _ => throw new UsageException($"--kernel must be naive, blocking, batching or best (got '{text}')"),
    };

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

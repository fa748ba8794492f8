using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;

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
        process in order and reports the same JSON, with each process's exit_status and the console. Programs that
        never exit (WeensyOS's p-allocator, p-fork, p-forkexit loop or yield forever once memory is full) end clean:
        when every process only yields, with the same registers at each yield and memory unchanged, for 2000 kernel
        entries per process, the run stops there; programs still running at --steps or --timeout after memory was
        full (the kernel refused an allocation) stop there. Both are CONFIRMED (exit 0) when nothing was killed and
        the checker found no leak and no error; a run that reaches a limit before either is NOT CONFIRMED (exit 1:
        raise --steps).
        """ + "\n" + RunLimits,
        RunProgramCommand.JsonKeys,
        "vmlab sim run hello", "vmlab sim run fork --cow", "vmlab sim run pipe --kernel naive --messages 50",
        "vmlab sim run --program prog.elf,other.elf --json")
        .Takes([.. Scenario.All.Select(Create)]));

    private const string RunLimits = "A scenario that reaches --steps or --timeout stops there and is NOT CONFIRMED (exit 1), saying which. "
        + Budget.Help;

    // Every scenario's own JSON keys (Scenario.ExtraType), present in every scenario's output (null where not its own).
    private static readonly string[] s_extraKeys =
        [.. Scenario.All.Select(s => s.ExtraType).OfType<Type>().SelectMany(ExtraKeys).Distinct()];

    private static IEnumerable<string> ExtraKeys(Type extra) =>
        extra.GetProperties().Select(p => JsonOutput.Options.PropertyNamingPolicy!.ConvertName(p.Name));

    /// <summary>A scenario's sub-verb: its options as typed flags, its lesson as its tour step.</summary>
    private static Verb Create(Scenario scenario)
    {
        string name = scenario.Name;
        var options = scenario.Options.Select(o => (Scenario: o, Flag: Flag(o))).ToList();
        var trace = Opt.Flag("--trace", "list kernel events: context switches, syscalls with arguments and results, faults");
        var timeout = TimeLimit.Option();
        var view = Opt.Flag("--view", "show memory WeensyOS-style as it fills (each quarter of free memory used), at its " +
            "fullest and at the end: physical frames by owner and each live process's virtual pages (legend: 'vmlab sim memory --help')");
        var colour = new ColourOptions();
        var workspace = WorkspaceSeams.Option();
        string[] tourArgs = [.. scenario.TourSettings.SelectMany(s => Spell(s.Option, s.Value))];
        string json = "{\"scenario\",\"steps\",\"out_of_time\",\"processes\":[…],\"processes_created\",\"faults\":[…],\"fault_count\",\"free_frames_before\",\"free_frames_after\",\"leaked_frames\",\"checker_errors\":[…],\"checker_findings\":[{\"step\",\"text\",\"cause\"}],\"console\",\"student_seams\":[…],\"passed\",\"verdict\",…}"
            + (scenario.ExtraType is { } extra ? $"; adds {{{string.Join(',', ExtraKeys(extra).Select(k => $"\"{k}\""))}}}" : "");
        return new Verb(name, scenario.Summary, RunLimits, json,
            string.Join(' ', ["vmlab sim run", name, .. tourArgs]), $"vmlab sim run {name} --trace --json")
        {
            Tour = new TourStep(scenario.Lesson, tourArgs),
            MoreTours = scenario == Scenario.Fork ? [TourWorkspace.Step] : [],
        }.Takes([.. options.Select(o => o.Flag), trace, timeout, view, colour.On, colour.Off, workspace]).Does(ctx =>
        {
            RefuseRunOptions(ctx, name);
            bool viewing = ctx.Get(view), colours = colour.Resolve(ctx);
            if (!viewing && (ctx.Given(colour.On) || ctx.Given(colour.Off)))
                throw new UsageException("--color and --no-color choose how --view draws memory: add --view");
            var recorder = viewing ? new MemoryRecorder(colours) : null;
            // With --trace events are recorded too, so every checker finding is placed at its step beside its cause (a
            // confused deputy's syscall); without it a run does not pay for them (forkexit takes twice as long).
            var args = new ScenarioArgs { Trace = ctx.Get(trace), WallTime = TimeLimit.Get(ctx, timeout), Watch = recorder is null ? null : recorder.Watch, Events = ctx.Get(trace) };
            foreach (var (option, flag) in options)
                args = args.With(option, Value(ctx, flag));
            if (scenario.Conflict(args, o => "--" + o.Name) is { } conflict) throw new UsageException(conflict);
            // Your seams run in a child process (this same command line there), where a stack overflow ends the child only.
            if (WorkspaceSeams.RunHosted(ctx, workspace, args.WallTime) is { } hosted) return hosted;
            // Your seams run with events recorded, so each checker finding is placed at its step beside its cause.
            if (WorkspaceSeams.Build(ctx, workspace) is { } seams) args = args with { Seams = seams, Events = true };
            ScenarioResult r = ctx.Progress($"running scenario {name}", () => args.Seams is null ? scenario.Run(args)
                : WorkspaceSeams.Bounded(() => scenario.Run(args), args.WallTime, $"scenario {name} with your seams"));
            var views = recorder?.Views ?? [];
            int code = ctx.Emit(Json(r, args.Trace, viewing ? views : null, args.Seams), r.Passed, rep => WriteReport(rep, r, args.Trace, views, args.Seams));
            WorkspaceSeams.SayPanic(ctx, args.Seams, r.Panic);
            return code;
        });
    }

    /// <summary>The flag a scenario option becomes: --NAME, typed and range-checked by its kind.</summary>
    private static Option Flag(ScenarioOption o) => o.Kind switch
    {
        OptionKind.Flag => Opt.Flag("--" + o.Name, o.Help),
        OptionKind.Int => Opt.Int("--" + o.Name, o.Help, (long)o.Default, o.Min!.Value, o.Max!.Value),
        _ => Opt.Choice("--" + o.Name, o.Help, (string)o.Default, [.. o.Values!]),
    };

    private static object Value(Ctx ctx, Option flag) => flag switch
    {
        Option<bool> b => ctx.Get(b),
        Option<long> n => ctx.Get(n),
        Option<string> c => ctx.Get(c),
        _ => throw new InvalidOperationException($"{flag.Name}: no value of a known kind"),
    };

    private static IEnumerable<string> Spell(ScenarioOption option, object value) =>
        value is true ? ["--" + option.Name] : value is false ? [] : ["--" + option.Name, value.ToString()!];

    /// <summary>The --json object: the run, the scenario's own measurements, then the verdict.</summary>
    private static JsonObject Json(ScenarioResult r, bool trace, IReadOnlyList<MemorySnapshot>? views, SeamOverlay? seams)
    {
        var json = JsonOutput.ToNode(new
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
            r.CheckerFindings,
            r.Console,
            r.Panic,
            r.Syscalls,
            r.ContextSwitches,
            Facts = r.Facts.ToDictionary(f => f.Key, f => f.Value),
            r.Tables,
        })!.AsObject();
        foreach (string key in s_extraKeys) json[key] = null;
        if (r.Extra is not null)
            foreach (var (key, value) in JsonOutput.ToNode(r.Extra)!.AsObject())
                json[key] = value?.DeepClone();
        json["workspace"] = seams?.Source;
        json["student_seams"] = JsonOutput.ToNode(r.StudentSeams);
        json["instructions"] = r.Steps;
        json["passed"] = r.Passed;
        json["verdict"] = r.Verdict;
        json["trace"] = trace ? JsonOutput.ToNode(r.Trace) : null;
        json["views"] = views is null ? null : JsonOutput.ToNode(views);
        return json;
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

    /// <summary>Each finding at its step, under the event after which the checker saw it (findings of one cause together).</summary>
    internal static void WriteFindings(Report rep, IReadOnlyList<CheckerFinding> findings)
    {
        foreach (var group in findings.Take(10).GroupBy(f => (f.Step, f.Cause)))
        {
            var (step, cause) = group.Key;
            rep.Line(cause is null ? $"    at step {step}:"
                : cause.Step == step ? $"    at step {step}, right after {cause.Text} (step {cause.Step}, pid {cause.Pid}):"
                : $"    at step {step}, caused by {cause.Text} (step {cause.Step}, pid {cause.Pid}):");
            if (cause?.Deputy is { } deputy) rep.Line($"      cause: {deputy}");
            foreach (var f in group) rep.Line("      - " + f.Text);
        }
        if (findings.Count > 10) rep.Note($"{findings.Count - 10} more findings (see --json)");
    }

    private static void WriteReport(Report rep, ScenarioResult r, bool trace, IReadOnlyList<MemorySnapshot> views, SeamOverlay? seams)
    {
        rep.Title($"vmlab sim run {r.Scenario}");
        rep.Explain(r.Description);
        if (seams is not null) rep.Fact("your seams", WorkspaceSeams.Describe(seams));
        if (trace)
        {
            rep.Section("Kernel events");
            foreach (string line in r.Trace) rep.Line("  " + line);
        }
        rep.Section("Console");
        rep.Printed(r.Console, 40);
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
        foreach (var v in views)
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
            if (r.CheckerFindings.Count > 0) WriteFindings(rep, r.CheckerFindings);
            else foreach (string e in r.CheckerErrors.Take(10)) rep.Line("    - " + e);
        }
        rep.Verdict(r.Passed, r.Verdict);
    }
}

using VmLab.Sim.Viewer;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim memory</c>: the WeensyOS memory viewer over a demonstration machine.</summary>
internal static class MemoryCommand
{
    public static Verb Create()
    {
        var colour = new ColourOptions();
        var demoOption = Opt.Choice("--demo", "the machine to draw; large is a 64 MiB machine, summarised", "processes", [.. ViewerDemo.Names]);
        var workspace = WorkspaceSeams.Option();
        var scenarioOption = Opt.Choice("--scenario", "with --workspace: the scenario whose memory is drawn", "fork", [.. VmLab.Sim.Scenarios.Scenario.All.Select(s => s.Name)]);
        var timeout = TimeLimit.Option();
        var limitOption = Opt.Address("--limit", "end of the virtual range shown (multiple of 4 KiB, up to 0x800000000000)");
        return new Verb("memory", "memory viewer: physical frames by owner and each process's virtual pages (WeensyOS style)",
            $$"""
            Draws memory as WeensyOS does. Physical memory: one cell per 4 KiB frame, 64 frames a row, the row's first
            physical address at the left. Then each address space (the kernel's, then each process's): one cell per
            virtual page from 0 to the limit (default 0x{{ViewerOptions.DefaultVirtualLimit:x}}, WeensyOS MEMSIZE_VIRTUAL), two lines a row.
            The machine is built for the demonstration without the teaching kernel: a kernel page table identity-mapping
            memory and two processes with page tables of their own. Maps with more than {{ViewerOptions.DefaultMaxCells}} frames (or pages) are
            summarised: one cell per N frames, N a power of two, and the heading says so.

            Legend, physical memory (and the first line of a virtual row, for the frame the page maps):
              .  free frame                     R  reserved (null page, I/O hole)
              K  kernel                         C  console (CGA text page)
              P  page-table page (any owner)    S  shared frame (reference count > 1)
              0-9, a-z  a frame of that pid (a = 10 ... z = 35; @ for larger pids)
              ?  (virtual only) a page mapping an address outside physical memory
                  blank: unmapped
            Legend, second line of a virtual row (the mapping's effective permissions):
              U  user read/write     u  user read-only
              K  kernel-only read/write     k  kernel-only read-only
            In colour each owner has its colour, page-table pages are in reverse video, shared frames underlined,
            kernel-only mappings dim; the letters say the same without colour.

            --workspace DIR draws your kernel instead: a scenario (--scenario, fork by default) runs with the seams you
            wrote in DIR, built as 'lab grade' builds them, and memory is drawn at the run's fullest moment; the
            observations say what the checker found in the whole run and at which step, and the JSON adds
            "scenario", "step", "workspace", "student_seams", "checker_findings" and "panic".
            """,
            """{"frames", "free_frames", "owners": {free, reserved, kernel, console, page_table, process, pid_N}, "rows": [...], "processes": [{"pid", "name", "mapped_pages", "rows": [...], "access_rows": [...]}], "frames_per_cell", "bytes_per_row", "shared_frames", "kernel": {like a process}, "observations": [{"claim", "holds"}]}""",
            "vmlab sim memory", "vmlab sim memory --demo large --no-color", "vmlab sim memory --workspace ~/lab1 --scenario fork")
        {
            Tour = new("The memory viewer: physical frames by owner (K kernel, R reserved, C console, P page tables, digits for " +
                       "processes, S shared) and each process's virtual pages with who may access them.",
                       "--no-color"),
        }.Takes([
            demoOption,
            colour.On,
            colour.Off,
            limitOption,
            workspace,
            scenarioOption,
            timeout])
        .Does(ctx =>
        {
            bool color = colour.Resolve(ctx);
            ulong? limit = ctx.Get(limitOption);
            if (limit is { } l && (l == 0 || l % 4096 != 0 || l > 0x8000_0000_0000))
                throw new UsageException($"--limit: 0x{l:x} must be a non-zero multiple of 4 KiB up to 0x800000000000");
            if (ctx.Given(demoOption) && ctx.Given(workspace)) throw new UsageException("--demo draws a built-in machine, --workspace your kernel: pick one");
            if (ctx.Given(scenarioOption) && !ctx.Given(workspace)) throw new UsageException("--scenario picks what your kernel runs: add --workspace DIR");
            if (WorkspaceSeams.RunHosted(ctx, workspace, TimeLimit.Get(ctx, timeout)) is { } hosted) return hosted;
            var seams = WorkspaceSeams.Build(ctx, workspace);
            var mine = seams is null ? null : ctx.Progress("running your kernel",
                () => MemoryOfWorkspace.Run(VmLab.Sim.Scenarios.Scenario.Named(ctx.Get(scenarioOption)), seams, TimeLimit.Get(ctx, timeout)));
            var demo = mine is null ? ViewerDemo.Create(ctx.Get(demoOption)) : null;
            var options = demo?.Options ?? new ViewerOptions();
            var processes = mine?.Processes ?? demo!.Processes;
            var viewer = new MemoryViewer(mine?.Kernel.Frames ?? demo!.Frames, processes, mine?.Kernel.KernelPageTable ?? demo!.Kernel,
                options with { Color = color, VirtualLimit = limit ?? options.VirtualLimit });
            var observations = mine?.Observe() ?? demo!.Observe();
            string title = mine is null ? $"demo '{demo!.Name}'" : $"your kernel, scenario {mine.Scenario} at step {mine.Step}";
            bool holds = observations.All(o => o.Holds);
            var phys = viewer.Physical();
            var json = new
            {
                Demo = demo?.Name,
                phys.Frames,
                phys.FreeFrames,
                Owners = phys.Owners,
                phys.SharedFrames,
                phys.FramesPerCell,
                BytesPerRow = phys.FramesPerCell * 4096 * (ulong)viewer.Options.RowCells,
                Rows = phys.Rows.Select(r => r.Text).ToArray(),
                Kernel = viewer.Kernel() is { } k ? Space(k, viewer.Options) : null,
                Processes = processes.Select(p => Space(viewer.Virtual(p), viewer.Options)).ToArray(),
                Observations = observations,
                Scenario = mine?.Scenario,
                Step = mine?.Step,
                Workspace = seams?.Source,
                StudentSeams = seams?.Names ?? [],
                CheckerFindings = mine?.Result.CheckerFindings ?? [],
                Panic = mine?.Result.Panic,
            };
            int code = ctx.Emit(json, holds, r =>
            {
                r.Title($"Memory viewer: {title}");
                r.Explain(mine?.Description ?? demo!.Description);
                if (seams is not null) r.Fact("your seams", WorkspaceSeams.Describe(seams));
                var text = new StringWriter();
                viewer.Write(text);
                r.Raw(text.ToString());
                r.Section("What to look for");
                foreach (var o in observations)
                    r.Line($"  [{(o.Holds ? "seen" : "NOT SEEN")}] {o.Claim}");
                if (mine is not null && mine.Result.CheckerFindings.Count > 0) ScenarioCommand.WriteFindings(r, mine.Result.CheckerFindings);
                if (mine is not null) r.Verdict(holds, "your kernel kept memory consistent and the scenario's verdict held", "your kernel broke what the observations above say");
                else r.Verdict(holds, "the maps show owners, page tables, sharing and kernel isolation as the page tables and allocator record them",
                    "some expected feature is missing from the maps (see above)");
            });
            WorkspaceSeams.SayPanic(ctx, seams, mine?.Result.Panic);
            return code;
        });
    }

    /// <summary>One address space for --json; rows[i] starts at i * bytes_per_row.</summary>
    private static object Space(VirtualView v, ViewerOptions options) => new
    {
        v.Pid,
        v.Name,
        v.MappedPages,
        v.UserWritable,
        v.UserReadOnly,
        v.KernelWritable,
        v.KernelReadOnly,
        v.PagesPerCell,
        BytesPerRow = v.PagesPerCell * 4096 * (ulong)options.RowCells,
        Rows = v.Rows.Select(r => r.Text).ToArray(),
        AccessRows = v.Rows.Select(r => r.AccessText).ToArray(),
    };

}

using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Viewer;

/// <summary>A stepped machine: deterministic whatever the step sizes, rewindable, and its snapshot, walks and
/// events say what the kernel did.</summary>
public class MachineSessionTests
{
    private static readonly ScenarioArgs Cow = Scenario.Fork.Args(("cow", true));

    private static string Fingerprint(MachineSession s)
    {
        var snap = s.Snapshot(maxEvents: SimKernel.EventCapacity);
        return string.Join("|", snap.Step, snap.Console, snap.EventCount, string.Join(",", snap.CheckerErrors),
            string.Join(",", snap.Processes.Select(p => $"{p.Pid}:{p.State}:{string.Join(".", p.Registers.Values)}")),
            string.Join(",", snap.Frames.Select(f => $"{f.Owner}{f.Pid}/{f.Refcount}")),
            string.Join(",", snap.Events.Select(e => e.Text)));
    }

    [Fact]
    public void Stepping_one_instruction_at_a_time_reaches_the_same_machine_as_one_long_run()
    {
        var single = new MachineSession(Scenario.Fork, Cow);
        for (int i = 0; i < 400; i++) single.StepBy(1);
        var bulk = new MachineSession(Scenario.Fork, Cow);
        bulk.StepBy(400);
        Assert.Equal(bulk.Step, single.Step);
        Assert.Equal(Fingerprint(bulk), Fingerprint(single));
    }

    [Fact]
    public void Stopping_at_events_leaves_the_machine_a_plain_run_reaches()
    {
        var byEvents = new MachineSession(Scenario.Spawn);
        for (int i = 0; i < 60; i++) byEvents.StepUntilEvent();
        var plain = new MachineSession(Scenario.Spawn);
        plain.StepBy(byEvents.Step);
        static string State(MachineSession s)
        {
            var snap = s.Snapshot();
            return string.Join("|", snap.Step, snap.Console, string.Join(",", snap.CheckerErrors),
                string.Join(",", snap.Processes.Select(p => $"{p.Pid}:{p.State}:{string.Join(".", p.Registers.Values)}")),
                string.Join(",", snap.Frames.Select(f => $"{f.Owner}{f.Pid}/{f.Refcount}")));
        }
        Assert.Equal(State(plain), State(byEvents));
        byEvents.StepBy(5000);
        plain.StepBy(5000);
        Assert.Equal(State(plain), State(byEvents));
    }

    [Fact]
    public void Seeking_back_replays_to_exactly_the_earlier_machine()
    {
        var s = new MachineSession(Scenario.Spawn);
        s.StepBy(3000);
        string at3000 = Fingerprint(s);
        s.StepBy(5000);
        Assert.NotEqual(at3000, Fingerprint(s));
        s.Seek(3000);
        Assert.Equal(3000, s.Step);
        Assert.Equal(at3000, Fingerprint(s));
        Assert.Equal(8000, s.Furthest);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Seek(8001));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.StepBy(0));
    }

    [Fact]
    public void Running_to_the_next_event_stops_at_each_syscall_switch_and_fault()
    {
        var s = new MachineSession(Scenario.Fork, Cow);
        var kinds = new List<KernelEventKind>();
        while (!s.Finished && kinds.Count < 500)
        {
            var r = s.StepUntilEvent();
            Assert.True(r.NewEvents >= 1 || r.Finished);
            kinds.AddRange(s.Kernel.Events.TakeLast((int)r.NewEvents).Select(e => e.Kind));
        }
        Assert.True(s.Finished);
        Assert.Contains(KernelEventKind.Syscall, kinds);
        Assert.Contains(KernelEventKind.Switch, kinds);
        Assert.Contains(KernelEventKind.Exit, kinds);
        var cow = s.Kernel.Events.First(e => e.Kind == KernelEventKind.Fault);
        Assert.True(cow.Handled);
        Assert.Equal("write", cow.Access);
        Assert.Equal(7u, cow.ErrorCode);                      // present, write, user
        Assert.Contains("protection violation", cow.Meaning);
    }

    [Fact]
    public void At_the_copy_on_write_fault_the_walk_explains_it_and_one_step_later_the_page_is_private()
    {
        var s = new MachineSession(Scenario.Fork, Cow);
        while (!s.Kernel.Events.Any(e => e.Kind == KernelEventKind.Fault) && !s.Finished) s.StepUntilEvent();
        var fault = s.Kernel.Events.First(e => e.Kind == KernelEventKind.Fault);
        s.Seek(fault.Step);                                  // just before the write
        var walk = s.Walk(fault.Pid, fault.Address!.Value, Access.Write)!;
        Assert.Null(walk.Pa);
        Assert.Equal(4, walk.Levels.Count);
        Assert.True(walk.Levels[^1].Bits.Cow);
        Assert.False(walk.Levels[^1].Bits.W);
        Assert.Contains("copy-on-write", walk.Fault!.Explanation);
        Assert.Equal(7u, walk.Fault.ErrorCode);
        ulong sharedFrame = walk.Levels[^1].Pfn << 12;
        var before = s.Snapshot().Frames.Single(f => f.Pa == sharedFrame);
        Assert.Equal(2, before.Refcount);
        Assert.Equal(2, before.Mappings.Select(m => m.Pid).Distinct().Count());

        s.StepBy(1);
        var after = s.Walk(fault.Pid, fault.Address!.Value, Access.Write)!;
        Assert.NotNull(after.Pa);
        Assert.NotEqual(sharedFrame, after.Pa!.Value & ~0xFFFUL);
        Assert.True(after.Levels[^1].Bits.W);
    }

    [Fact]
    public void Walking_changes_nothing_in_the_machine()
    {
        var s = new MachineSession(Scenario.Hello);
        s.StepBy(5);
        string before = Fingerprint(s);
        var pid = s.Kernel.Processes[0].Pid;
        for (ulong va = 0; va < KernelLayout.MemSizeVirtual; va += 0x1000)
            s.Walk(pid, va, Access.Read);
        Assert.Equal(before, Fingerprint(s));
        s.StepBy(100);
        var fresh = new MachineSession(Scenario.Hello);
        fresh.StepBy(105);
        Assert.Equal(Fingerprint(fresh), Fingerprint(s));
    }

    [Fact]
    public void The_snapshot_names_owners_kinds_levels_and_user_mappings_of_frames()
    {
        var s = new MachineSession(Scenario.Spawn);
        s.StepBy(20_000);
        var snap = s.Snapshot();
        var k = s.Kernel;
        foreach (var f in snap.Frames)
        {
            var info = k.Frames.Info(f.Pa);
            Assert.Equal(MapCell.FrameGlyph(info), f.Glyph);
            Assert.Equal(info.RefCount, f.Refcount);
        }
        var roots = k.Processes.Select(p => p.PageTable.Root).ToHashSet();
        Assert.All(snap.Frames.Where(f => roots.Contains(f.Pa)), f => Assert.Equal(("page_table", "PML4"), (f.Kind, f.Table)));
        Assert.Contains(snap.Frames, f => f.Kind == "page_table" && f.Table == "PT");
        foreach (var p in snap.Processes)
        {
            var code = snap.Frames.Single(f => f.Mappings.Any(m => m.Pid == p.Pid && m.Va == KernelLayout.ProcStartAddr));
            Assert.Equal("user", code.Kind);
            Assert.Contains(p.Pages, pg => pg.Va == KernelLayout.ProcStartAddr && pg.Pa == code.Pa && pg.Access == 'u');
            Assert.DoesNotContain("no instruction", p.Instruction);
        }
        Assert.Equal(0, snap.LeakedFrames);
    }

    [Fact]
    public void The_snapshot_and_the_terminal_viewer_agree_on_every_page_and_frame()
    {
        var s = new MachineSession(Scenario.Fork, Cow);
        s.StepBy(14);                                           // after fork: parent and child share pages
        var snap = s.Snapshot();
        var viewer = new MemoryViewer(s.Kernel.Frames, s.Kernel.Processes.Select(p => new ViewerProcess(p.Pid, p.Name, p.PageTable)));
        var physical = viewer.Physical();
        foreach (var f in snap.Frames) Assert.Equal(physical.CellAt(f.Pa).Glyph, f.Glyph);
        foreach (var vp in viewer.Processes)
        {
            var view = viewer.Virtual(vp);
            var pages = snap.Processes.Single(p => p.Pid == vp.Pid).Pages.ToDictionary(p => p.Va);
            for (ulong va = 0; va < KernelLayout.MemSizeVirtual; va += 0x1000)
            {
                var cell = view.CellAt(va);
                if (pages.TryGetValue(va, out var page))
                {
                    Assert.Equal(cell.Access, page.Access);
                    Assert.Equal(cell.Glyph, snap.Frames[(int)(page.Pa >> 12)].Glyph);
                }
                else Assert.Equal(MapCell.Unmapped, cell.Glyph);
            }
        }
        Assert.Contains(snap.Frames, f => f.Glyph == MapCell.Shared);
    }

    [Fact]
    public void The_vulnerable_friends_kernel_shows_checker_errors_in_events_and_snapshot()
    {
        var s = new MachineSession(Scenario.Friends, Scenario.Friends.Args(("vulnerable", true)));
        while (!s.Finished) s.StepBy(1_000_000);
        var snap = s.Snapshot();
        Assert.NotEmpty(snap.CheckerErrors);
        Assert.Contains(s.Kernel.Events, e => e.Kind == KernelEventKind.CheckerError);
        var fixedKernel = new MachineSession(Scenario.Friends);
        while (!fixedKernel.Finished) fixedKernel.StepBy(1_000_000);
        Assert.Empty(fixedKernel.Snapshot().CheckerErrors);
    }

    [Fact]
    public void The_tlb_counts_cr3_loads_and_invlpgs_and_lists_its_entries()
    {
        var s = new MachineSession(Scenario.Fork, Cow);
        long loadsAtBoot = s.Kernel.Tlb.Cr3Loads;
        while (!s.Kernel.Events.Any(e => e.Kind == KernelEventKind.Fault) && !s.Finished) s.StepUntilEvent();
        var fault = s.Kernel.Events.First(e => e.Kind == KernelEventKind.Fault);
        var tlb = s.Kernel.Tlb;
        Assert.True(tlb.Cr3Loads > loadsAtBoot);                 // context switches load each process's table
        Assert.True(tlb.Invlpgs > 0);                            // the copy-on-write fix drops the stale translation
        Assert.Equal(fault.Address!.Value & ~0xFFFUL, tlb.LastInvlpg!.Value & ~0xFFFUL);
        s.StepBy(3);
        var entries = tlb.Entries();
        Assert.NotEmpty(entries);
        var pt = s.Kernel.Processes.Single(p => p.PageTable.Root == tlb.Cr3).PageTable;
        Assert.All(entries, e => Assert.Equal(pt.Iter(e.Va).Pa, e.Pa));
    }

    [Fact]
    public void Events_are_bounded()
    {
        var s = new MachineSession(Scenario.ForkExit, Scenario.ForkExit.Args(("count", 3000)));
        while (!s.Finished) s.StepBy(10_000_000);
        Assert.True(s.Kernel.EventCount > SimKernel.EventCapacity);
        Assert.Equal(SimKernel.EventCapacity, s.Kernel.Events.Count);
        Assert.Equal(0, s.Snapshot().LeakedFrames);
    }

    [Fact]
    public void Every_scenario_starts_and_runs_to_the_end()
    {
        foreach (var scenario in Scenario.All)
        {
            var s = new MachineSession(scenario);
            while (!s.Finished) s.StepBy(MachineSession.MaxInstructions);
            Assert.True(s.Step > 0, scenario.Name);
        }
        Assert.Throws<ArgumentException>(() => Scenario.Named("nope"));
        Assert.Throws<ArgumentException>(() => new MachineSession(Scenario.Fork, Scenario.Fork.Args(("naive", true), ("cow", true))));
    }
}

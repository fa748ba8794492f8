using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using VmLab.Sim.Cpu;
using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;
using VmLab.Sim.X86;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Viewer;

/// <summary>Going back restores a checkpoint and replays: the machine it lands on is exactly the one a forward run
/// reaches, the replay is at most one gap long, and the checkpoints stay within their count and bytes.</summary>
public class CheckpointTests
{
    // Checkpoints every few thousand instructions, by count only: where they fall does not depend on the clock.
    private static Checkpoints Dense(int maxCount = 1000, long maxBytes = 1L << 30) =>
        new() { MaxSpacing = 150, Spacing = TimeSpan.MaxValue, MaxCount = maxCount, MaxBytes = maxBytes };

    /// <summary>Everything the machine is: the snapshot, every byte of memory, the TLB, the CPU's timer, the counters.
    /// Not the TLB's hit and miss counts (nor the MMU's walk count): the CPU translates rip's page again whenever it
    /// resumes, so they depend on how a run was chopped into steps, seek or no seek.</summary>
    private static string Fingerprint(MachineSession s)
    {
        var k = s.Kernel;
        var snap = s.Snapshot(maxEvents: SimKernel.EventCapacity) with { Furthest = 0 };
        var bytes = new byte[k.Memory.Size];
        k.Memory.Read(0, bytes);
        var history = string.Join(";", k.History.Select(p => $"{p.Pid}{p.Name}{p.State}{p.ExitStatus}{p.KillReason}{p.Instructions}/{p.Syscalls}"));
        return string.Join("|", JsonSerializer.Serialize(snap), Convert.ToHexString(SHA256.HashData(bytes)),
            JsonSerializer.Serialize(k.Tlb.Entries()), k.Tlb.Cr3, k.Tlb.Cr3Loads, k.Tlb.Invlpgs, k.Tlb.LastInvlpg,
            k.Cpu.TimerRemaining, k.Cpu.Rip, k.SyscallCount, k.ContextSwitches, k.MinFreeFrames, k.CopyOnWriteFaults,
            k.PipeSyscalls, k.Pipe.Count, k.Frames.FreeFrames, Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(history))),
            JsonSerializer.Serialize(k.Faults), string.Join(",", k.Processes.Select(p => JsonSerializer.Serialize(k.SyscallsByName(p)))));
    }

    public static TheoryData<string, string> Runs => new()
    {
        { "fork", "cow" }, { "fork", "naive" }, { "spawn", "" }, { "allocator", "" }, { "bigdata", "" },
        { "friends", "vulnerable" }, { "pipe", "naive" }, { "pipe", "best" }, { "forkexit", "" },
    };

    private static (Scenario, ScenarioArgs) Run(string scenario, string variant)
    {
        var s = Scenario.Named(scenario);
        return (s, (scenario, variant) switch
        {
            ("fork", "cow") => s.Args(("cow", true)),
            ("fork", "naive") => s.Args(("naive", true)),
            ("pipe", _) => s.Args(("kernel", variant), ("messages", 300)),
            ("friends", "vulnerable") => s.Args(("vulnerable", true)),
            ("forkexit", _) => s.Args(("count", 150)),
            _ => s.Args(),
        });
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Seeking_anywhere_lands_on_exactly_the_machine_a_forward_run_reaches(string scenario, string variant)
    {
        var random = new Random(21);
        var (machine, args) = Run(scenario, variant);
        var forward = new MachineSession(machine, args, Dense());
        var seen = new List<(long Step, string Print)>();
        while (!forward.Finished && forward.Step < 25_000)
        {
            // After a stop at a context switch the next process is already on the CPU: step N is where a run of
            // N instructions stops, so compare only there.
            if (random.Next(4) == 0) forward.StepUntilEvent();
            else if (forward.StepBy(random.Next(1, 2500)) is { } _ && random.Next(4) == 0) seen.Add((forward.Step, Fingerprint(forward)));
        }
        forward.StepBy(1);
        seen.Add((forward.Step, Fingerprint(forward)));
        Assert.True(forward.Checkpoints.Count > 2, $"{scenario}: only {forward.Checkpoints.Count} checkpoints over {forward.Step} steps");

        var seeker = new MachineSession(machine, args, Dense());
        seeker.StepBy(Math.Min(forward.Step, MachineSession.MaxInstructions));
        foreach (var (step, print) in seen.OrderBy(_ => random.Next()))
        {
            seeker.Seek(step);
            Assert.Equal(step, seeker.Step);
            Assert.True(print == Fingerprint(seeker), $"{scenario} {variant}: the machine at step {step} after a seek differs");
            Assert.True(seeker.LastReplay <= seeker.Checkpoints.WidestGap, $"replayed {seeker.LastReplay}, widest gap {seeker.Checkpoints.WidestGap}");
        }
        var (middle, _) = seen[seen.Count / 2];
        seeker.Seek(middle);
        seeker.StepBy(Math.Max(1, forward.Step - middle));               // and running on from there agrees too
        Assert.Equal(seen[^1].Print, Fingerprint(seeker));
    }

    [Fact]
    public void A_far_seek_replays_at_most_one_gap_and_the_gaps_are_bounded()
    {
        var s = new MachineSession(Scenario.Pipe, Scenario.Pipe.Args(("kernel", "naive"), ("messages", 1_000_000)));
        while (s.Step < 12_000_000 && !s.Finished) s.StepBy(MachineSession.MaxInstructions / 4);
        Assert.InRange(s.Checkpoints.WidestGap, 1, s.Checkpoints.MaxSpacing);
        var random = new Random(3);
        for (int i = 0; i < 12; i++)
        {
            long target = random.NextInt64(0, s.Furthest + 1);
            s.Seek(target);
            Assert.Equal(target, s.Step);
            Assert.InRange(s.LastReplay, 0, s.Checkpoints.MaxSpacing);
        }
        s.Seek(s.Furthest);
        Assert.InRange(s.LastReplay, 0, s.Checkpoints.MaxSpacing);
    }

    [Fact]
    public void Thinning_keeps_the_count_and_bytes_bounded_and_the_seeks_exact()
    {
        var sixty = Scenario.ForkExit.Args(("count", 60));
        var bounded = new MachineSession(Scenario.ForkExit, sixty, Dense(maxCount: 6));
        var reference = new MachineSession(Scenario.ForkExit, sixty, Dense());
        var prints = new List<(long, string)>();
        while (!reference.Finished)
        {
            reference.StepBy(997);
            prints.Add((reference.Step, Fingerprint(reference)));
        }
        while (!bounded.Finished) bounded.StepBy(5000);
        Assert.True(reference.Checkpoints.Count > 6);
        Assert.InRange(bounded.Checkpoints.Count, 2, 6);
        Assert.Equal(0, bounded.Checkpoints.Steps.First());
        foreach (var (step, print) in prints.Where((_, i) => i % 5 == 0))
        {
            bounded.Seek(step);
            Assert.Equal(print, Fingerprint(bounded));
        }

        var small = new MachineSession(Scenario.ForkExit, sixty, Dense(maxBytes: 400_000));
        while (!small.Finished) small.StepBy(5000);
        Assert.True(small.Checkpoints.Bytes <= 400_000 || small.Checkpoints.Count == 2, $"{small.Checkpoints.Bytes} bytes in {small.Checkpoints.Count}");
    }

    [Fact]
    public void Unchanged_pages_are_shared_between_neighbouring_checkpoints()
    {
        var s = new MachineSession(Scenario.Spawn, null, Dense());
        while (!s.Finished) s.StepBy(1000);
        Assert.True(s.Checkpoints.Count > 3);
        // Each checkpoint of a 2 MiB machine alone would be ~100 KiB of touched frames; shared, they are a fraction.
        Assert.True(s.Checkpoints.Bytes < s.Checkpoints.Count * 64 * 1024, $"{s.Checkpoints.Bytes} bytes in {s.Checkpoints.Count} checkpoints");
    }

    // A field added to the machine's state and not to the checkpoint would make seeks land on a different machine.
    [Fact]
    public void Every_field_of_the_machines_state_is_known_to_the_checkpoint()
    {
        var known = new Dictionary<Type, string>
        {
            [typeof(SimKernel)] = "_slots _history _faults _console _checkerErrors _current _loaded _entries _resume _switchPending Options " +
                "Seams Memory Frames KernelPageTable Mmu Tlb Cpu FreeFramesAtBoot Panic SyscallCount ContextSwitches MinFreeFrames " +
                "TraceEnabled TraceLog Entered AfterProcessSetup _events _syscallsByName RecordEvents StopAtEvent EventCount " +
                "CopyOnWriteFaults Pipe PipeSyscalls OutOfTime _runTicks TimerTicks CoalescedTicks ProcessesCreated FaultCount FirstKilled _recentEnded " +
                "CoalesceTicks _slice _now " +   // settings: whether ticks that change nothing are passed over, how many at a time; the clock
                "_checkClean _checkCurrent " +
                "ProcessTableVersion " +   // only moves on: a restore moves it   // not saved: a restore makes the next Run check before passing over a tick
                "_watch " +   // not saved: the checker's last walks, which a restore forgets
                "_idle Idle " +      // not saved: how long every process has been yielding without change, which a restore restarts
                "_touched _aliveAtEntry _touch",     // not saved: the deputy watch's scratch within one syscall
            [typeof(Process)] = "Pid Name Parent State PageTable Registers ExitStatus KillReason Instructions Syscalls HistoryIndex Restarting " +
                "Image",   // saved with the rest by Process.Clone: an immutable image, shared
            [typeof(PipeRing)] = "_ring _head Count",
            [typeof(FrameAllocator)] = "_memory _used _freed _cursor Refusals Version " +   // Version only moves on: a restore moves it
                "_journal _journalBase",   // not saved: a restore tells observers that every frame may have changed
            [typeof(PhysicalMemory)] = "_chunks _touched Size FrameCount _changes ChangeCount " +   // change counters: restored frames count as written
                "Touch " +   // not saved: set only within one syscall (the kernel's deputy watch)
                "_spare",    // not saved: zeroed arrays no frame holds, for whichever frame is touched next
            [typeof(Tlb)] = "_mmu _entries _mask _version _anyLarge Cr3 Hits Misses Cr3Loads Invlpgs LastInvlpg",
            [typeof(Mmu)] = "_memory _writeProtect _noExecute _globalPages _maxPhysBits _addressReserved Version Walks",
            [typeof(X86Cpu<PagedBus>)] = "_bus _regs _instructions _timerInterval _timerRemaining _code Privilege LastFault InvalidMnemonic " +
                "_curVpn _curPage _single _fetchBytes _f _codeTags _codeWritten " +
                // not saved: the code pages fetched from, forgotten by Restore as _curPage is
                "_pages _pageVpns " +
                // Not saved: compiled regions hang on decoded blocks (Restore drops them), the host TLB starts a new
                // generation at every Run, _loaded, Quotient, Remainder and Spill (a region's values around its slow
                // path's call) are scratch registers, Translation is a setting.
                "_jit Translation _readPages _writePages _hostFrames _filled _filledCount _loaded Quotient Remainder Spill " +
                "_unchanged",   // not saved: set by the kernel just before the Run after a timer tick, consumed by it
        };
        foreach (var (type, names) in known)
        {
            var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                .Select(f => f.Name.StartsWith('<') ? f.Name[1..f.Name.IndexOf('>')] : f.Name);
            var added = fields.Except(names.Split(' ')).ToList();
            Assert.True(added.Count == 0, $"{type.Name} has new state ({string.Join(", ", added)}): save and restore it in " +
                "Kernel.Checkpoint (or say here why it needs no saving), then list it in this test");
        }
    }
}

using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text;
using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using VmLab.Sim.Scenarios;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Sim.Paging.Pte;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>
/// A timer tick that would resume the only runnable process is passed over (the CPU runs on through the quanta),
/// and the machine must be the same as tick by tick: every run below is made twice, coalescing and per tick, and
/// everything it shows is compared: the console, every event with the instruction count it happened at (syscalls,
/// switches, faults, exits, checker findings), each process's end, instructions and syscalls, the timer's state, and
/// where the run stopped (the instruction budget, the idle stop, the clock).
/// </summary>
public class TickCoalescingTests
{
    private const ulong Va = 0x110000, Spare = 0x130000, KernelFrame = 0x40000;

    /// <summary>Everything a run shows, in one text.</summary>
    private static string Transcript(SimKernel k)
    {
        var s = new StringBuilder();
        s.AppendLine($"instructions {k.Instructions}, timer {k.Cpu.TimerRemaining}, ticks {k.TimerTicks}, syscalls {k.SyscallCount}, switches {k.ContextSwitches}, " +
                     $"cow {k.CopyOnWriteFaults}, free {k.Frames.FreeFrames}, min free {k.MinFreeFrames}, idle {k.Idle}, panic {k.Panic}");
        foreach (var p in k.History)
            s.AppendLine($"{p} exit {p.ExitStatus} killed '{p.KillReason}' instructions {p.Instructions} syscalls {p.Syscalls} rip {p.Registers.Rip:x} rax {p.Registers[Reg.Rax]:x}");
        foreach (var e in k.Events) s.AppendLine($"[{e.Step}] {e.Kind} {e.Pid} {e.Text} {e.Address} {e.Handled}");
        foreach (string e in k.CheckerErrors) s.AppendLine("checker: " + e);
        foreach (var f in k.Faults) s.AppendLine($"fault: {f}");
        s.Append(k.Console);
        return s.ToString();
    }

    private static SimKernel Boot(bool coalesce, int checkEvery = 1, bool idle = false, KernelSeams? seams = null) =>
        new(new KernelOptions { CheckEvery = checkEvery, StopWhenIdle = idle, Seams = seams ?? KernelSeams.Reference })
        {
            RecordEvents = true,
            CoalesceTicks = coalesce,
        };

    /// <summary>240,000 instructions of arithmetic, a stack grown by 24 KiB (handled faults), then fork; parent and
    /// child each write their letter 25 times between spins of varying length (the interleaving is the timer's),
    /// the parent exits 7 and the child dies of ud2.</summary>
    private static ProgramImage ComputeThenFork() => X86Program.Build(a =>
    {
        var loop = a.CreateLabel();
        a.mov(ecx, 60_000);
        a.Label(ref loop);
        a.add(rax, rcx);
        a.xor(rdx, rax);
        a.dec(ecx);
        a.jnz(loop);
        var push = a.CreateLabel();
        a.mov(ecx, 3000);
        a.Label(ref push);
        a.push(rax);
        a.dec(ecx);
        a.jnz(push);
        a.Syscall(SyscallAbi.Fork);
        a.mov(r12, X86Program.DataAddress);
        var parent = a.CreateLabel();
        a.test(rax, rax);
        a.jnz(parent);
        a.mov(r12, X86Program.DataAddress + 1);
        a.Label(ref parent);
        a.mov(r13d, 25);
        var outer = a.CreateLabel();
        var spin = a.CreateLabel();
        a.Label(ref outer);
        a.imul(ecx, r13d, 37);
        a.add(ecx, 200);
        a.Label(ref spin);
        a.dec(ecx);
        a.jnz(spin);
        a.mov(rax, SyscallAbi.Write);
        a.mov(rdi, r12);
        a.mov(rsi, 1);
        a.syscall();
        a.Syscall(SyscallAbi.GetPid);
        a.dec(r13d);
        a.jnz(outer);
        var child = a.CreateLabel();
        a.mov(rax, X86Program.DataAddress);
        a.cmp(r12, rax);
        a.jne(child);
        a.Syscall(SyscallAbi.Exit, 7);
        a.Label(ref child);
        a.ud2();
    }, "PC"u8);

    /// <summary>An endless loop.</summary>
    private static ProgramImage Forever() => X86Program.Build(a =>
    {
        var loop = a.CreateLabel();
        a.Label(ref loop);
        a.add(rax, 1);
        a.jmp(loop);
    });

    [Fact]
    public void A_compute_loop_then_fork_is_the_same_coalesced_as_tick_by_tick()
    {
        string Run(bool coalesce, out long coalesced)
        {
            var k = Boot(coalesce);
            k.Spawn(ComputeThenFork(), "forker");
            k.Run(10_000_000);
            coalesced = k.CoalescedTicks;
            Assert.Empty(k.Processes);
            return Transcript(k);
        }
        string perTick = Run(false, out long none), coalesced = Run(true, out long passed);
        Assert.Equal(perTick, coalesced);
        Assert.Equal(0, none);
        Assert.True(passed > 200, $"{passed} ticks passed over");
        Assert.Contains("PC", perTick);     // the two letters interleave: the timer switched between them
        Assert.Contains("CP", perTick);
    }

    [Fact]
    public void Runs_of_any_length_or_to_the_next_event_stop_at_the_same_instruction_with_the_same_timer()
    {
        var rng = new Random(26);
        long[] lengths = [.. Enumerable.Range(0, 300).Select(i => (long)(i % 5 switch
        {
            0 => 1000 * rng.Next(1, 40),           // on a quantum's boundary
            1 => rng.Next(1, 3),                   // single steps
            2 => 1000 * rng.Next(1, 40) + rng.Next(-2, 3),
            _ => rng.Next(1, 20_000),
        }))];
        var a = Boot(false);
        var b = Boot(true);
        foreach (var k in new[] { a, b }) k.Spawn(ComputeThenFork(), "forker");
        for (int i = 0; i < lengths.Length; i++)
        {
            long n = lengths[i];
            a.StopAtEvent = b.StopAtEvent = i % 3 == 0;     // the web view's step: to the next event
            Assert.Equal(a.Run(n), b.Run(n));
            Assert.Equal(Transcript(a), Transcript(b));
            Assert.Equal(a.Cpu.Registers.Rip, b.Cpu.Registers.Rip);
        }
        Assert.True(b.CoalescedTicks > 0);
    }

    [Theory]
    [InlineData("10000000")]
    [InlineData("5000 1 999 1 1 10000000")]
    [InlineData("4999 1 1000 1 10000000")]
    public void A_syscall_and_a_fault_on_a_quantum_boundary_see_the_tick_as_tick_by_tick(string lengths)
    {
        long[] runs = [.. lengths.Split(' ').Select(long.Parse)];
        // the getpid is the 5000th instruction (the tick comes due with it and is taken at the next run); the push
        // that grows the stack comes when exactly 6000 have retired, the ud2 that kills the process at 7000 (the
        // tick comes first)
        var image = X86Program.Build(a =>
        {
            var spin = a.CreateLabel();
            a.mov(ecx, 2497);
            a.Label(ref spin);
            a.dec(ecx);
            a.jnz(spin);
            a.nop();
            a.Syscall(SyscallAbi.GetPid);
            a.mov(rsp, MachineLayout.StackPage);
            var spin2 = a.CreateLabel();
            a.mov(ecx, 499);
            a.Label(ref spin2);
            a.dec(ecx);
            a.jnz(spin2);
            a.push(rax);
            var spin3 = a.CreateLabel();
            a.mov(ecx, 499);
            a.Label(ref spin3);
            a.dec(ecx);
            a.jnz(spin3);
            a.ud2();
        });
        var perTick = Boot(false);
        var coalesced = Boot(true);
        foreach (var k in new[] { perTick, coalesced }) k.Spawn(image, "edges");
        foreach (long n in runs)
        {
            perTick.Run(n);
            coalesced.Run(n);
            Assert.Equal(Transcript(perTick), Transcript(coalesced));
        }
        Assert.True(perTick.Events.Any(e => e.Syscall == "getpid" && e.Step == 5000), Transcript(perTick));
        Assert.Contains(perTick.Events, e => e.Kind == KernelEventKind.Fault && e.Step == 6000);
        Assert.Contains(perTick.Events, e => e.Kind == KernelEventKind.Fault && e.Step == 7000 && e.Text.Contains("ud2"));
        Assert.True(coalesced.CoalescedTicks > 0);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("allocator")]
    [InlineData("fork")]
    [InlineData("fork", "cow")]
    [InlineData("fork", "naive")]
    [InlineData("forkexit")]
    [InlineData("spawn")]
    [InlineData("friends")]
    [InlineData("friends", "vulnerable")]
    [InlineData("pipe")]
    [InlineData("bigdata")]
    public void Every_scenario_is_the_same_coalesced_as_tick_by_tick(string name, string? flag = null)
    {
        var scenario = Scenario.Named(name);
        (ScenarioResult Result, string Transcript) Run(bool coalesce)
        {
            var kernels = new List<SimKernel>();
            var settings = new List<(string, object)>();
            if (flag is not null) settings.Add((flag, true));
            if (name == "forkexit") settings.Add(("count", 300L));
            var args = scenario.Args([.. settings]) with
            {
                Events = true,
                Watch = k => { k.CoalesceTicks = coalesce; kernels.Add(k); },
            };
            var r = scenario.Run(args);
            return (r, string.Join("\n---\n", kernels.Select(Transcript)));
        }
        var (perTick, perTickText) = Run(false);
        var (coalesced, coalescedText) = Run(true);
        Assert.Equal(perTickText, coalescedText);
        Assert.Equal(perTick.Verdict, coalesced.Verdict);
        Assert.Equal(perTick.Steps, coalesced.Steps);
        Assert.Equal(perTick.Console, coalesced.Console);
        Assert.Equal(perTick.CheckerErrors, coalesced.CheckerErrors);
        Assert.Equal(perTick.Syscalls, coalesced.Syscalls);
        Assert.Equal(perTick.ContextSwitches, coalesced.ContextSwitches);
    }

    [Fact]
    public void The_idle_stop_comes_at_the_same_instruction()
    {
        // a long spin (ticks passed over), then yields with ~1500 instructions between them, so timer interrupts
        // fall inside the yield loop too
        var image = X86Program.Build(a =>
        {
            var spin = a.CreateLabel();
            a.mov(ecx, 200_000);
            a.Label(ref spin);
            a.dec(ecx);
            a.jnz(spin);
            var again = a.CreateLabel();
            var inner = a.CreateLabel();
            a.Label(ref again);
            a.mov(ecx, 750);
            a.Label(ref inner);
            a.dec(ecx);
            a.jnz(inner);
            a.Syscall(SyscallAbi.Yield);
            a.jmp(again);
        });
        string Run(bool coalesce)
        {
            var k = Boot(coalesce, idle: true);
            k.Spawn(image, "idler");
            k.Run(100_000_000);
            Assert.True(k.Idle);
            return Transcript(k);
        }
        Assert.Equal(Run(false), Run(true));
    }

    [Fact]
    public void An_instruction_budget_stops_after_exactly_that_many_instructions()
    {
        var k = Boot(true);
        k.Spawn(Forever(), "forever");
        Assert.Equal(1_234_567, k.Run(1_234_567));
        Assert.Equal(1_234_567, k.Instructions);
        Assert.Equal(1000 - 567, k.Cpu.TimerRemaining);
        Assert.Equal(3_000_000, k.Run(3_000_000));
        Assert.Equal(4_234_567, k.Instructions);
        Assert.True(k.CoalescedTicks > 4000);
    }

    [Fact]
    public void A_coalesced_run_still_stops_on_the_clock()
    {
        var k = new SimKernel(new KernelOptions { CheckEvery = 1, WallTime = TimeSpan.FromMilliseconds(300) });
        k.Spawn(Forever(), "forever");
        var sw = Stopwatch.StartNew();
        k.Run(long.MaxValue / 4);
        Assert.True(k.OutOfTime);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"stopped after {sw.Elapsed}");
        Assert.True(k.CoalescedTicks > 0);
    }

    [Fact]
    public void Every_entry_watched_means_every_tick_enters_the_kernel()
    {
        var traced = Boot(true);
        traced.TraceEnabled = true;
        traced.Spawn(Forever(), "forever");
        traced.Run(50_000);
        Assert.Equal(0, traced.CoalescedTicks);
        Assert.Contains(traced.TraceLog, l => l.Contains("timer interrupt in pid 1"));
        var hooked = Boot(true);
        int entries = 0;
        hooked.Entered += _ => entries++;
        hooked.Spawn(Forever(), "forever");
        hooked.Run(50_000);
        Assert.Equal(0, hooked.CoalescedTicks);
        Assert.Equal(50, entries);
    }

    /// <summary>A buggy page_alloc maps the caller's own leaf page table at Va, user-writable. The program makes three
    /// getpids and spins (ticks passed over: the checker has found nothing), calls page_alloc, spins (ticks), writes a
    /// PTE giving itself the kernel frame at Spare, spins again and exits. The checker reports the table page mapped
    /// for users at the first check after the page_alloc and the kernel frame at the first check after the store:
    /// at the same instruction, whatever the checker's period, as tick by tick.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_page_table_written_by_user_code_is_reported_at_the_same_instruction(int checkEvery)
    {
        var seams = KernelSeams.Reference with
        {
            PageAlloc = new PageAllocBy((k, p, va) => p.PageTable.Iter(va).TryMap(p.PageTable.Iter(Spare).EntryAddress & ~0xFFFUL, PTE_P | PTE_W | PTE_U | PTE_NX) ? 0 : SimKernel.Fail),
        };
        var image = X86Program.Build(a =>
        {
            for (int i = 0; i < 3; i++) a.Syscall(SyscallAbi.GetPid);
            var spin0 = a.CreateLabel();
            a.mov(ecx, 10_000);
            a.Label(ref spin0);
            a.dec(ecx);
            a.jnz(spin0);
            a.Syscall(SyscallAbi.PageAlloc, Va);
            var spin = a.CreateLabel();
            a.mov(ecx, 20_000);
            a.Label(ref spin);
            a.dec(ecx);
            a.jnz(spin);
            a.mov(rax, KernelFrame | PTE_P | PTE_W | PTE_U);
            a.mov(rdx, Va + ((Spare >> 12) & 511) * 8);
            a.mov(__qword_ptr[rdx], rax);
            var spin2 = a.CreateLabel();
            a.mov(ecx, 20_000);
            a.Label(ref spin2);
            a.dec(ecx);
            a.jnz(spin2);
            a.Syscall(SyscallAbi.Exit, 0);
        });
        string Run(bool coalesce)
        {
            var k = Boot(coalesce, checkEvery, seams: seams);
            k.Spawn(image, "scribbler");
            k.Spawn(Forever(), "bystander");     // a second process, blocked: never preempts, never wakes
            k.Find(2)!.State = ProcessState.Blocked;
            k.Run(1_000_000);
            Assert.Contains(k.CheckerErrors, e => e.StartsWith($"kernel frame mapped for users: pid 1 0x{Spare:x}", StringComparison.Ordinal));
            return Transcript(k);
        }
        Assert.Equal(Run(false), Run(true));
    }

    [Fact]
    public void A_checker_every_few_entries_sees_the_same_as_tick_by_tick()
    {
        string Run(bool coalesce, out long passed)
        {
            var k = Boot(coalesce, checkEvery: 7);
            k.Spawn(ComputeThenFork(), "forker");
            k.Run(10_000_000);
            passed = k.CoalescedTicks;
            return Transcript(k) + $"checker work {k.CheckerWork.Judgements > 0}";
        }
        Assert.Equal(Run(false, out _), Run(true, out long passed));
        Assert.True(passed > 0);
    }

    [Fact]
    public void Keeping_the_CPUs_caches_after_getpid_and_ticks_is_the_same_machine_as_checking_them_again()
    {
        // fork twice, then 300 rounds of getpid and adding the pid to a byte of the data page, each round 10
        // instructions with the getpid retiring on every multiple of 10: on a quantum's boundary too, where the
        // tick that came due with it switches to another process
        var image = X86Program.Build(a =>
        {
            a.Syscall(SyscallAbi.Fork);
            a.Syscall(SyscallAbi.Fork);
            a.mov(r13d, 300);
            a.mov(r14, X86Program.DataAddress);
            for (int i = 0; i < 6; i++) a.nop();
            var loop = a.CreateLabel();
            a.Label(ref loop);
            a.Syscall(SyscallAbi.GetPid);
            a.add(__byte_ptr[r14], al);
            a.nop();
            a.nop();
            a.nop();
            a.dec(r13d);
            a.jnz(loop);
            a.mov(rax, SyscallAbi.Write);
            a.mov(rdi, r14);
            a.mov(rsi, 1);
            a.syscall();
            a.Syscall(SyscallAbi.Exit, 0);
        }, "?"u8);
        string Run(bool watched)
        {
            var k = Boot(coalesce: true);
            if (watched) k.Entered += _ => { };     // a hook makes the CPU check its caches at every entry
            k.Spawn(image, "getpid");
            k.Run(1_000_000);
            Assert.Contains(k.Events, e => e.Syscall == "getpid" && e.Step == 1000);
            return Transcript(k);
        }
        string checkedAgain = Run(true);
        Assert.Equal(checkedAgain, Run(false));
        Assert.Equal(4, checkedAgain.Split("exited exit 0 killed ''").Length - 1);
    }

    private sealed class PageAllocBy(Func<SimKernel, Process, ulong, ulong> f) : IPageAlloc
    {
        public ulong PageAlloc(SimKernel k, Process p, ulong va) => f(k, p, va);
    }
}

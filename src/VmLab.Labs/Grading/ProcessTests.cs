using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Labs.Grading.TestContext;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of fork's and exit's memory halves, run through whole programs.</summary>
internal static class ProcessTests
{
    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("fork_isolation", "fork", 8, "forker: the child's write to x stays in the child (parent prints x = 1); checker clean after every kernel entry", ForkIsolation),
        new("fork_sharing", "fork", 7, "right after fork: same user pages and permissions; read-only frames shared, writable ones copied with the parent's bytes", ForkSharing),
        new("fork_out_of_memory", "fork", 5, "a process that filled memory forks: fork returns -1 and everything the attempt took comes back", ForkOutOfMemory),
        new("exit_forkexit", "exit", 10, "300 fork/exit cycles; every frame (page-table pages too) back, free frames equal to boot", ExitCycles),
        new("exit_killed", "exit", 5, "processes killed by a fault after fork and page_alloc give back every frame", ExitKilled),
    ];

    private static void ForkIsolation(TestContext t)
    {
        var k = t.Boot();
        k.Spawn("forker");
        Run(k, "fork");
        string? line = k.Console.Split('\n').FirstOrDefault(l => l.StartsWith("parent: x = ", StringComparison.Ordinal));
        Require(k.Console.Contains("child: set x = 2"), "the child never ran: fork must return 0 in a working child");
        Require(line == "parent: x = 1", line is null ? "the parent never printed x" : $"{line}: child write reached the parent");
        RequireClean(k, "fork");
    }

    private static readonly ProgramImage ForkThenSpin = X86Program.Build(a =>
    {
        a.Syscall(SyscallAbi.Fork);
        a.mov(rbx, 30);
        var spin = a.CreateLabel();
        a.Label(ref spin);
        a.Syscall(SyscallAbi.Yield);
        a.sub(rbx, 1);
        a.jne(spin);
        a.Syscall(SyscallAbi.Exit, 0);
    }, "the parent's data"u8);

    private static void ForkSharing(TestContext t)
    {
        var k = t.Boot();
        int parent = k.Spawn(ForkThenSpin, "forkspin");
        k.Run(40);
        Require(k.Panic is null, $"kernel panic: {k.Panic}");
        var child = k.Processes.FirstOrDefault(p => p.Parent == parent);
        Require(child is not null, "fork made no child");
        var pt = k.Find(parent)!.PageTable;
        const ulong Bits = PTE_P | PTE_W | PTE_U | PTE_NX;
        var c = child!.PageTable.Iter();
        for (var it = pt.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
        {
            if (!it.User) continue;
            c.Find(it.Va);
            Require(c.User && (c.Perm & Bits) == (it.Perm & Bits),
                $"va 0x{it.Va:x}: the parent maps it {FormatConstants(it.Perm & Bits)}, the child {(c.User ? FormatConstants(c.Perm & Bits) : "not at all")}");
            if (!it.Writable)
                Require(c.Pa == it.Pa, $"va 0x{it.Va:x} is read-only: the child should share the parent's frame 0x{it.Pa:x} (with one more reference), not a copy");
            else
            {
                Require(c.Pa != it.Pa, $"child write reached the parent: fork shares a writable frame at va 0x{it.Va:x}");
                Require(k.Memory.FrameSpan(c.Pa).SequenceEqual(k.Memory.FrameSpan(it.Pa)), $"va 0x{it.Va:x}: the child's copy does not hold the parent's bytes");
            }
        }
        for (var it = child.PageTable.Iter(ProcStartAddr); it.Va < MemSizeVirtual && it.Va >= ProcStartAddr; it.Next())
            Require(!it.User || pt.Iter(it.Va).User, $"va 0x{it.Va:x}: the child maps a page the parent does not have");
        Run(k, "fork");
        RequireClean(k, "fork");
    }

    // Takes 200 heap pages (over half of free memory), then forks: the copy runs out of memory part-way, so the
    // half-built child must be given back. Exits with fork's result.
    private static readonly ProgramImage FillThenFork = X86Program.Build(a =>
    {
        Label fill = a.CreateLabel(), full = a.CreateLabel();
        a.mov(rbx, 0x110000);
        a.Label(ref fill);
        a.mov(rdi, rbx);
        a.mov(rax, SyscallAbi.PageAlloc);
        a.syscall();
        a.test(rax, rax);
        a.jne(full);
        a.add(rbx, 0x1000);
        a.cmp(rbx, 0x1d8000);
        a.jne(fill);
        a.Label(ref full);
        a.mov(rax, SyscallAbi.Fork);
        a.syscall();
        a.mov(rdi, rax);
        a.mov(rax, SyscallAbi.Exit);
        a.syscall();
    });

    private static void ForkOutOfMemory(TestContext t)
    {
        var k = t.Boot();
        int pid = k.Spawn(FillThenFork, "filler");
        Run(k, "fork", strict: false);
        var p = k.History.First(h => h.Pid == pid);
        string outcome = k.History.Count > 1 ? $"made a child (pid {k.History[1].Pid})"
            : p.ExitStatus is { } status ? $"returned {status}"
            : p.KillReason is { } why ? $"ended the process ({why})"
            : $"did not return (the process is {p.State})";
        Require(k.History.Count == 1 && p.ExitStatus == -1,
            $"fork with memory full {outcome}; it should return -1 when the child's pages cannot all be had");
        string? seen = k.CheckerErrors.FirstOrDefault();
        if (seen is not null || (k.Processes.Count == 0 && k.Frames.FreeFrames != k.FreeFramesAtBoot))
            throw new GradeFailure($"fork returned -1 with memory full but did not give back what the half-built child took ({(seen is null ? $"{k.FreeFramesAtBoot - k.Frames.FreeFrames} frame(s) never came back" : Explain(seen, "fork"))}): when memory runs out, return k.Abandon(child), which frees what you built");
        RequireClean(k, "fork");
    }

    private static void ExitCycles(TestContext t)
    {
        const int Cycles = 300;
        var k = t.Boot();
        k.Spawn("forkexit", Cycles);
        Run(k, "exit");
        RequireClean(k, "exit");
        Require(k.Console.Contains($"forkexit: {Cycles} children forked and exited"),
            $"the {Cycles} fork/exit cycles did not finish: {k.Console.Split('\n').LastOrDefault(l => l.Length > 0) ?? "(nothing printed)"}");
    }

    private static readonly ProgramImage AllocThenFault = X86Program.Build(a =>
    {
        a.Syscall(SyscallAbi.Fork);
        a.Syscall(SyscallAbi.PageAlloc, 0x200000);
        a.Syscall(SyscallAbi.PageAlloc, 0x1f0000);
        a.mov(rbx, 0x40000);
        a.mov(__qword_ptr[rbx], rax);
    });

    private static void ExitKilled(TestContext t)
    {
        var k = t.Boot();
        k.Spawn(AllocThenFault, "faulter");
        k.Spawn("alice", 3);
        Run(k, "exit");
        Require(k.History.Count(p => p.State == ProcessState.Killed) == 2, "the two faulting processes were not both killed");
        RequireClean(k, "exit");
    }
}

using System.Text;
using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Labs.Grading.TestContext;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of F1 (spawn) and G1 (page_alloc): untrusted arguments from user programs.</summary>
internal static class SyscallTests
{
    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("spawn_alice", "spawn", 5, "spawner calls spawn(\"alice\") twice: two new processes run alice to the end", SpawnAlice),
        new("spawn_bad_pointers", "spawn", 5, "spawn of a kernel address (holding \"alice\"), the null page, an unmapped page, a name running off the top, a name longer than MaxName, an unknown name: each -1, nothing started", SpawnBad),
        new("spawn_page_boundary", "spawn", 5, "pintos-style boundaries: a valid name crossing onto the next page mapped to a frame that is not the next one, a name whose NUL is the last byte of its page (the next page unmapped), a name running into an unmapped page; a program named with MaxName-1 characters starts, one named with MaxName does not", SpawnBoundary),
        new("page_alloc_fills", "page_alloc", 5, "three allocators take pages until page_alloc says -1; then every frame comes back", PageAllocFills),
        new("page_alloc_friends", "page_alloc", 5, "eve's page_alloc(alice's page table) returns -1 and alice runs all 40 rounds", PageAllocFriends),
        new("page_alloc_bad_addresses", "page_alloc", 5, "unaligned, null, kernel, console, at MEMSIZE_VIRTUAL, far-above and already-mapped (the caller's data page) addresses: -1, memory unchanged", PageAllocBad),
    ];

    private static void SpawnAlice(TestContext t)
    {
        var k = t.Boot();
        k.Spawn("spawner");
        Run(k, "spawn");
        var alices = k.History.Where(p => p.Name == "alice").ToList();
        Require(alices.Count == 2, $"spawn(\"alice\") started {alices.Count} process(es), want 2; spawner printed: {k.Console.Replace("\n", " | ")}");
        foreach (var a in alices)
            Require(k.Console.Contains($"alice (pid {a.Pid}): round 5"), $"alice pid {a.Pid} did not run to round 5");
        RequireClean(k, "spawn");
    }

    private static void SpawnBad(TestContext t)
    {
        const ulong KernelName = 0x7f000;     // a kernel frame: supervisor-only in every process
        const ulong Data = X86Program.DataAddress, Top = 0x2ffffb;
        var cases = new (string What, ulong Rdi, Action<Assembler>? Prep, byte[] Data)[]
        {
            ($"0x{KernelName:x}, kernel memory holding \"alice\"", KernelName, null, []),
            ("0, the null page", 0, null, []),
            ("0x250000, an unmapped page", 0x250000, null, []),
            ("a name that runs off the top of memory without a NUL", Top, a =>
            {
                for (int i = 0; i < 5; i++) a.mov(__byte_ptr[Top + (ulong)i], (byte)"alice"[i]);
            }, []),
            ($"a name longer than MaxName ({MaxName})", Data, null, Encoding.ASCII.GetBytes(new string('a', MaxName + 8) + "\0")),
            ("\"nosuchprogram\"", Data, null, "nosuchprogram\0"u8.ToArray()),
        };
        foreach (var (what, rdi, prep, data) in cases)
        {
            var o = Probe.Call(t, $"spawn({what})", SyscallAbi.Spawn, rdi, prep: prep, data: data,
                setup: k => k.Memory.Write(KernelName, "alice\0"u8));
            Require(o.Result == -1, $"spawn({what}) returned {o.Result}, want -1");
            Require(o.Kernel.History.Count == 1, $"spawn({what}) started a process");
            RequireClean(o.Kernel, "spawn");
        }
    }

    // Each case: where the probe's pages lie, the name's bytes written at an address, and whether alice must start.
    private static void SpawnBoundary(TestContext t)
    {
        const ulong Split = Probe.Split;
        var cases = new (string What, ulong At, string Name, bool SecondPage, bool Valid, string Hint)[]
        {
            ("a valid name \"alice\" that crosses from its page onto the next one, mapped onto a frame that is not the next one",
                Split + 0xffe, "alice\0", true, true, "copy each page's bytes through its own translation (k.TryCopyFromUser does): the next virtual page is not the next frame"),
            ("\"alice\" whose NUL is the last byte of its page and ends exactly at the end of its page (the next page unmapped)",
                Split + 0xffa, "alice\0", false, true, "read the name a byte at a time and stop at the NUL: nothing past it needs to be readable"),
            ("\"alice\" without a NUL, running into an unmapped page", Split + 0xffb, "alice", false, false, "every byte up to the NUL must be user-readable"),
            ($"a name of MaxName-1 ({MaxName - 1}) characters and its NUL, the longest name there is (the grader gave alice that name)", Split + 0x800,
                new string('b', MaxName - 1) + "\0", false, true, "MaxName bytes include the NUL: a name of MaxName-1 characters is valid"),
            ($"a name of MaxName ({MaxName}) characters and its NUL (the grader gave alice that name too)", Split + 0x800, new string('c', MaxName) + "\0", false, false,
                "no NUL within the first MaxName bytes: -1, even for a program that exists; stop reading after MaxName bytes"),
        };
        // Long names of a real program, so that only the MaxName limit tells a valid name from a refused one.
        var programs = new Dictionary<string, ProgramImage>
        {
            [new string('b', MaxName - 1)] = ElfPrograms.Image("alice")!,
            [new string('c', MaxName)] = ElfPrograms.Image("alice")!,
        };
        foreach (var c in cases)
        {
            var o = Probe.Call(t, $"spawn({c.What})", SyscallAbi.Spawn, c.At, layout: (k, p) =>
            {
                Probe.SplitPages(k, p, c.SecondPage);
                for (int i = 0; i < c.Name.Length; i++)
                    k.Memory.WriteByte(p.PageTable.Iter(c.At + (ulong)i).Pa, (byte)c.Name[i]);
            }, programs: programs);
            bool started = o.Kernel.History.Any(h => h.Name != "probe");
            if (c.Valid)
                Require(o.Result > 0 && started, $"spawn of {c.What} returned {o.Result}, want alice's pid: {c.Hint}");
            else
                Require(o.Result == -1 && !started, $"spawn of {c.What} returned {o.Result}, want -1: {c.Hint}");
            RequireClean(o.Kernel, "spawn");
        }
    }

    private static void PageAllocFills(TestContext t)
    {
        var k = t.Boot();
        for (int i = 0; i < 3; i++) k.Spawn("allocator");
        Run(k, "page_alloc");
        int refused = k.Console.Split('\n').Count(l => l.Contains("page_alloc said no"));
        Require(refused == 3, $"{refused} of 3 allocators were refused: page_alloc must return -1 when memory runs out");
        Require(k.MinFreeFrames <= 1, $"memory never filled up (lowest free-frame count {k.MinFreeFrames})");
        RequireClean(k, "page_alloc");
    }

    private static void PageAllocFriends(TestContext t)
    {
        const int Rounds = 40;
        var k = t.Boot();
        int alice = k.Spawn("alice", Rounds);
        ulong target = k.Find(alice)!.PageTable.Root;
        k.Spawn("eve", target);
        Run(k, "page_alloc", strict: false);     // what happened to alice says more than the checker's symptoms
        var a = k.History.First(p => p.Pid == alice);
        Require(a.State == ProcessState.Exited && k.Console.Contains($"alice (pid {alice}): round {Rounds}"),
            $"alice did not finish: page_alloc(0x{target:x}) let eve, through the kernel, wipe alice's page table ({a.KillReason ?? a.State.ToString().ToLowerInvariant()})");
        Require(!k.Console.Contains($"eve: page_alloc({target}) succeeded? 1"), $"page_alloc(0x{target:x}) returned 0 to eve: that page is not eve's to allocate");
        RequireClean(k, "page_alloc");
    }

    private static void PageAllocBad(TestContext t)
    {
        foreach (var (what, rdi) in new (string, ulong)[] { ("0x110001 (unaligned)", 0x110001), ("0 (the null page)", 0), ("0x40000 (the kernel)", 0x40000),
                     ($"0x{ConsoleAddr:x} (the console)", ConsoleAddr), ($"0x{MemSizeVirtual:x} (MEMSIZE_VIRTUAL)", MemSizeVirtual),
                     ("0xffff800000000000 (far above)", 0xffff800000000000), ("the caller's own data page", X86Program.DataAddress) })
        {
            byte[]? kernelBefore = null;
            var o = Probe.Call(t, $"page_alloc({what})", SyscallAbi.PageAlloc, rdi, setup: k => kernelBefore = k.Memory.FrameSpan(0x40000).ToArray());
            Require(o.Result == -1, $"page_alloc({what}) returned {o.Result}, want -1");
            Require(o.Kernel.Memory.FrameSpan(0x40000).SequenceEqual(kernelBefore), $"page_alloc({what}) wrote kernel memory");
            RequireClean(o.Kernel, "page_alloc");
        }
    }
}

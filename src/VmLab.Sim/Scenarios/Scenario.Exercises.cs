using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public static partial class Scenario
{
    private static ScenarioResult Inspect(ScenarioOptions o)
    {
        var k = Boot(o);
        var entry = ElfPrograms.Image("hello")!.Entry;
        var targets = new (string Name, ulong Va)[]
            { ("syscall_entry", SyscallEntry), ("kernel_pagetable", k.KernelPageTable.Root), ("hello entry (_start)", entry) };
        var before = targets.Select(t => Look(k.KernelPageTable, t.Va)).ToList();
        int pid = k.Spawn("hello");                          // process_setup runs here
        var proc = k.Find(pid)!;
        var after = targets.Select(t => Look(k.KernelPageTable, t.Va)).ToList();
        var inProcess = targets.Select(t => Look(proc.PageTable, t.Va)).ToList();
        k.Run(o.Steps);

        var rows = new List<IReadOnlyList<string>>();
        void Add(string when, string table, IReadOnlyList<(ulong Pa, ulong Perm)> looks)
        {
            for (int i = 0; i < targets.Length; i++)
                rows.Add([when, table, targets[i].Name, $"0x{targets[i].Va:x}", Pa(looks[i].Pa), FormatConstants(looks[i].Perm), Meaning(looks[i].Perm)]);
        }
        Add("before process_setup", "kernel_pagetable", before);
        Add("after process_setup", "kernel_pagetable", after);
        Add("after process_setup", $"pid {pid} page table", inProcess);

        bool unchanged = before.SequenceEqual(after);
        bool isolated = before.Take(2).Concat(inProcess.Take(2)).All(l => (l.Perm & PTE_P) != 0 && (l.Perm & PTE_U) == 0);
        bool userEntry = (inProcess[2].Perm & (PTE_P | PTE_U)) == (PTE_P | PTE_U) && (inProcess[2].Perm & PTE_W) == 0;
        bool ok = unchanged && isolated && userEntry;
        var facts = new List<KeyValuePair<string, string>>
        {
            new("B1/B2 kernel_pagetable changed by process_setup", unchanged ? "no: process_setup builds a new table and only copies the kernel half into it" : "yes"),
            new("B3 meaning", "PTE_P present, PTE_W writable, PTE_U user-accessible (without it only the kernel may touch the page)"),
            new("B4 kernel isolation", isolated ? "syscall_entry and kernel_pagetable are mapped without PTE_U: user code faults on them" : "broken: a kernel page is user-accessible"),
            new("B5 in the process's table", $"its entry maps to frame {Pa(inProcess[2].Pa)} with {FormatConstants(inProcess[2].Perm)}: user-readable, not writable"),
        };
        return Finish(k, "inspect", "B1-B5: the physical address and permissions of three virtual addresses, in kernel_pagetable before and after process_setup, and in the new process's own table.",
            o, ok, ok ? "identity-mapped kernel pages are supervisor-only, process_setup left kernel_pagetable alone, and the program's entry is user-readable code"
                      : "the mappings are not what the layout promises", facts,
            [new ScenarioTable("mappings", ["when", "table", "what", "va", "pa", "perm", "meaning"], rows)]);
    }

    private static (ulong Pa, ulong Perm) Look(PageTable pt, ulong va)
    {
        var it = pt.Iter(va);
        return (it.Pa, it.Perm & (PTE_P | PTE_W | PTE_U | PTE_NX));
    }

    private static string Pa(ulong pa) => pa == ulong.MaxValue ? "unmapped" : $"0x{pa:x}";

    private static string Meaning(ulong perm) =>
        (perm & PTE_P) == 0 ? "not present: any access faults"
        : ((perm & PTE_U) != 0 ? "user" : "kernel only") + ((perm & PTE_W) != 0 ? ", writable" : ", read-only")
          + ((perm & PTE_NX) != 0 ? ", no execute" : "");

    private static ScenarioResult BigData(ScenarioOptions o)
    {
        (string Console, SimKernel Kernel) Run(bool remap, out bool untouched)
        {
            var k = Boot(o);
            bool same = true;
            if (remap)
            {
                var image = ElfPrograms.Image("bigdata")!;
                ulong message = image.Symbols["message"], amazing = image.Symbols["amazing"];
                k.AfterProcessSetup = (kk, p) =>
                {
                    byte[] before = kk.Memory.FrameSpan(p.PageTable.Iter(amazing).Pa).ToArray();
                    kk.Remap(p, message, amazing);    // the one line; see Kernel.Remap
                    same = before.AsSpan().SequenceEqual(kk.Memory.FrameSpan(p.PageTable.Iter(message).Pa));
                };
            }
            k.Spawn("bigdata");
            k.Run(o.Steps);
            untouched = same && k.Check().Ok;
            return (k.Console, k);
        }
        string plain = Run(false, out _).Console;
        var (remapped, k2) = Run(true, out bool untouched);
        bool ok = plain.StartsWith("Boo!") && remapped == "CS 61 Is Amazing\n" && untouched;
        var facts = new List<KeyValuePair<string, string>>
        {
            new("without the change", plain.TrimEnd()),
            new("the one change", "vmiter(pt, &message).map(vmiter(pt, &amazing).pa(), PTE_P | PTE_U)"),
            new("with the change", remapped.TrimEnd()),
            new("memory written", untouched ? "none: the frame now behind `message` holds exactly the bytes it held before" : "yes"),
        };
        return Finish(k2, "bigdata", "C1: bigdata prints the string at `message`. One mapping change in process setup points message's page at the frame behind `amazing`; no byte of memory is written.",
            o, ok, ok ? "the same program, the same bytes, one changed mapping: it now prints \"CS 61 Is Amazing\"" : "the remap did not change the output as expected", facts);
    }

    private static ScenarioResult Fork(ScenarioOptions o)
    {
        var mode = o.Naive ? ForkMode.Naive : o.CopyOnWrite ? ForkMode.CopyOnWrite : ForkMode.Copy;
        var k = Boot(o, mode);
        k.Spawn("forker");
        k.Run(o.Steps);
        string? line = k.Console.Split('\n').FirstOrDefault(l => l.StartsWith("parent: x = "));
        bool isolated = line == "parent: x = 1";
        bool flagged = k.CheckerErrors.Any(e => e.StartsWith("writable frame shared"));
        bool childRan = k.Console.Contains("child: set x = 2");
        bool ok = childRan && (mode == ForkMode.Naive ? !isolated && flagged : isolated);
        var facts = new List<KeyValuePair<string, string>>
        {
            new("fork", mode switch { ForkMode.Naive => "copy_mappings only (E2's wrong answer)", ForkMode.CopyOnWrite => "copy-on-write", _ => "copy writable pages, share read-only ones" }),
            new("parent saw", line ?? "(no line)"),
            new("copy-on-write faults", k.CopyOnWriteFaults.ToString()),
            new("checker flagged writable sharing", flagged ? "yes" : "no"),
        };
        string verdict = mode == ForkMode.Naive
            ? ok ? "copy_mappings alone is not fork: the child's write reached the parent, and the checker flagged the shared writable frame"
                 : "the naive fork did not show the expected breakage"
            : ok ? "the child's write stayed in the child: the parent still sees x = 1" : "isolation broken: the parent saw the child's write";
        return Finish(k, "fork", "forker sets x = 1, forks; the child writes x = 2; the parent then reads x.", o, ok, verdict, facts,
            brokenOnPurpose: mode == ForkMode.Naive);
    }

    private static ScenarioResult ForkExit(ScenarioOptions o)
    {
        var k = Boot(o);
        k.Spawn("forkexit", (ulong)o.Count);
        k.Run(o.Steps);
        bool done = k.Console.Contains($"forkexit: {o.Count} children forked and exited");
        var r = k.Check();
        bool ok = done && r.LeakedFrames.Count == 0 && k.Frames.FreeFrames == k.FreeFramesAtBoot;
        return Finish(k, "forkexit", $"forkexit forks {o.Count} children that exit at once. exit must free each child's pages and page-table pages.",
            o, ok, ok ? $"{o.Count} fork/exit cycles, every frame back: free frames {k.Frames.FreeFrames} = {k.FreeFramesAtBoot} at boot"
                      : "frames were lost or the cycles did not finish",
            [new("processes created", k.History.Count.ToString())]);
    }

    private static ScenarioResult Friends(ScenarioOptions o)
    {
        var k = Boot(o, vulnerable: o.Vulnerable);
        const int rounds = 40;
        int alice = k.Spawn("alice", rounds);
        ulong target = k.Find(alice)!.PageTable.Root;      // what eve read off the memory viewer
        int eve = k.Spawn("eve", target);
        k.Run(o.Steps);
        var a = k.History.First(p => p.Pid == alice);
        var e = k.History.First(p => p.Pid == eve && p.Name == "eve");
        long progress = k.Console.Split('\n').Count(l => l.StartsWith($"alice (pid {alice}): round"));
        bool attack = a.State != ProcessState.Exited || progress < rounds;
        string eveStatus = e.State == ProcessState.Killed ? $"killed: {e.KillReason}"
            : k.Console.Contains($"eve: page_alloc({target}) succeeded? 1") ? "page_alloc obeyed, eve exited" : "page_alloc returned -1, eve exited";
        bool ok = o.Vulnerable ? attack : !attack;
        return Finish(k, "friends",
            $"alice prints {rounds} rounds. eve calls page_alloc(0x{target:x}) instead of page_alloc(0x110000): one changed argument, the address of alice's page table.",
            o, ok, o.Vulnerable
                ? ok ? "the vulnerable kernel, acting for eve, wiped alice's page table: alice died mid-run" : "the attack failed even on the vulnerable kernel"
                : ok ? "the fixed kernel refused (page_alloc returned -1) and alice ran to the end" : "alice was damaged despite the check",
            [new("alice rounds printed", $"{progress} of {rounds}"), new("eve", eveStatus)], brokenOnPurpose: o.Vulnerable)
            with { AttackSucceeded = attack, AliceProgress = progress, EveStatus = eveStatus };
    }
}

using VmLab.Sim.Elf;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>B1-B5: where three addresses map, and with which bits, before and after process_setup.</summary>
    public static Scenario Inspect { get; } = new InspectScenario();
}

file sealed class InspectScenario() : Scenario<InspectScenario.Looks>("inspect", 30,
    "B1-B5: PA and permissions of syscall_entry, kernel_pagetable and a program's entry, before/after process_setup",
    "B1-B5: where syscall_entry, kernel_pagetable and a program's entry map, with which permission bits, before " +
    "and after process_setup. No PTE_U on kernel pages is kernel isolation.")
{
    public override string FirstLook => "The B1-B5 table in the lesson: three addresses in kernel_pagetable before and after process_setup, and in pid 1's table.";

    public override string NextStep => "Pick pid 1, type 0x40ad0 (syscall_entry) in Page walk and walk it as read: the last level has no U bit, so a user access faults.";

    /// <summary>The three addresses looked up in kernel_pagetable before and after process_setup, and in the new
    /// process's own table.</summary>
    public sealed class Looks(SimKernel k, (string Name, ulong Va)[] targets) : Booted(k)
    {
        public (string Name, ulong Va)[] Targets { get; } = targets;
        public List<(ulong Pa, ulong Perm)> Before { get; } = [.. targets.Select(t => Look(k.KernelPageTable, t.Va))];
        public List<(ulong Pa, ulong Perm)> After { get; set; } = [];
        public List<(ulong Pa, ulong Perm)> InProcess { get; set; } = [];
        public int Pid { get; set; }
    }

    private protected override Looks Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        var looks = new Looks(k, [("syscall_entry", SyscallEntry), ("kernel_pagetable", k.KernelPageTable.Root),
            ("hello entry (_start)", ElfPrograms.Image("hello")!.Entry)]);
        looks.Pid = k.Spawn("hello");                          // process_setup runs here
        looks.After = [.. looks.Targets.Select(t => Look(k.KernelPageTable, t.Va))];
        looks.InProcess = [.. looks.Targets.Select(t => Look(k.Find(looks.Pid)!.PageTable, t.Va))];
        return looks;
    }

    private protected override Judgement Judge(Looks l, ScenarioArgs args)
    {
        var rows = new List<IReadOnlyList<string>>();
        void Add(string when, string table, List<(ulong Pa, ulong Perm)> looks)
        {
            for (int i = 0; i < l.Targets.Length; i++)
                rows.Add([when, table, l.Targets[i].Name, $"0x{l.Targets[i].Va:x}", Pa(looks[i].Pa), FormatConstants(looks[i].Perm), Meaning(looks[i].Perm)]);
        }
        Add("before process_setup", "kernel_pagetable", l.Before);
        Add("after process_setup", "kernel_pagetable", l.After);
        Add("after process_setup", $"pid {l.Pid} page table", l.InProcess);

        bool unchanged = l.Before.SequenceEqual(l.After);
        bool isolated = l.Before.Take(2).Concat(l.InProcess.Take(2)).All(x => (x.Perm & PTE_P) != 0 && (x.Perm & PTE_U) == 0);
        var entry = l.InProcess[2];
        bool userEntry = (entry.Perm & (PTE_P | PTE_U)) == (PTE_P | PTE_U) && (entry.Perm & PTE_W) == 0;
        bool ok = unchanged && isolated && userEntry;
        return new("B1-B5: the physical address and permissions of three virtual addresses, in kernel_pagetable before and after process_setup, and in the new process's own table.",
            ok, ok ? "identity-mapped kernel pages are supervisor-only, process_setup left kernel_pagetable alone, and the program's entry is user-readable code"
                   : "the mappings are not what the layout promises")
        {
            Facts =
            [
                new("B1/B2 kernel_pagetable changed by process_setup", unchanged ? "no: process_setup builds a new table and only copies the kernel half into it" : "yes"),
                new("B3 meaning", "PTE_P present, PTE_W writable, PTE_U user-accessible (without it only the kernel may touch the page)"),
                new("B4 kernel isolation", isolated ? "syscall_entry and kernel_pagetable are mapped without PTE_U: user code faults on them" : "broken: a kernel page is user-accessible"),
                new("B5 in the process's table", $"its entry maps to frame {Pa(entry.Pa)} with {FormatConstants(entry.Perm)}: user-readable, not writable"),
            ],
            Tables = [new ScenarioTable("mappings", ["when", "table", "what", "va", "pa", "perm", "meaning"], rows)],
        };
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
}

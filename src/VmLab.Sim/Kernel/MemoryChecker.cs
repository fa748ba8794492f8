using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>What the checker found: problems in words, and the leaked frames.</summary>
public sealed record CheckReport(IReadOnlyList<string> Errors, IReadOnlyList<ulong> LeakedFrames)
{
    /// <summary>True when no invariant was broken (no errors; leaked frames are also listed as errors).</summary>
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// The kernel's memory invariants, checked from the outside by walking every live page table against the
/// frame allocator (WeensyOS check_page_table_ownership, check_virtual_memory):
/// - leaked frame: owned by a process or page table, but no live page table reaches it;
/// - freed but mapped: a page-table page, or a user mapping, pointing at a free frame;
/// - kernel frame mapped for users: a user-accessible mapping of a kernel, reserved or page-table frame
///   (the console is the one kernel-half page users may touch);
/// - writable frame shared between processes (read-only sharing, as after fork or COW, is fine);
/// - reference count different from the number of user mappings of a frame;
/// - kernel mapping missing (WeensyOS check_page_table_mappings): a process table that does not map
///   [0, PROC_START_ADDR) exactly as kernel_pagetable does, the console P|W|U at CONSOLE_ADDR included;
/// - page-table page of another process (check_page_table_ownership): a table page owned by a pid other than
///   its table's, or reached from two tables.
/// </summary>
public static class MemoryChecker
{
    /// <summary>
    /// Walks every live process's page table and the kernel's against <see cref="Kernel.Frames"/> and reports what
    /// breaks the invariants above. Changes nothing.
    /// </summary>
    public static CheckReport Check(Kernel kernel)
    {
        var frames = kernel.Frames;
        var errors = new List<string>();
        var reachable = new HashSet<ulong>();
        var mappings = new Dictionary<ulong, (int Count, int WritablePids, HashSet<int> Pids, ulong Va)>();

        var tableOf = new Dictionary<ulong, string>();
        TablePages(kernel.KernelPageTable, "kernel_pagetable", 0, frames, reachable, tableOf, errors);
        foreach (var p in kernel.LiveProcesses)
        {
            TablePages(p.PageTable, $"pid {p.Pid}", p.Pid, frames, reachable, tableOf, errors);
            KernelHalf(kernel.KernelPageTable, p, errors);
            for (var it = p.PageTable.Iter(); it.Va < MemSizeVirtual; it.Next())
            {
                if (!it.User) continue;
                ulong va = it.Va, pa = it.Pa;
                var info = frames.Info(pa);
                if (info.Owner == FrameOwner.Console) continue;
                if (info.Owner == FrameOwner.Free)
                    errors.Add($"freed but mapped: pid {p.Pid} maps 0x{va:x} to free frame 0x{pa:x}");
                else if (info.Owner != FrameOwner.Process || va < ProcStartAddr)
                    errors.Add($"kernel frame mapped for users: pid {p.Pid} 0x{va:x} -> 0x{pa:x} ({info.Owner.ToString().ToLowerInvariant()})");
                else
                {
                    reachable.Add(pa);
                    if (!mappings.TryGetValue(pa, out var m)) m = (0, 0, [], va);
                    bool firstFromPid = m.Pids.Add(p.Pid);
                    mappings[pa] = (m.Count + 1, m.WritablePids + (it.Writable && firstFromPid ? 1 : 0), m.Pids, m.Va);
                }
            }
        }
        foreach (var (pa, m) in mappings.OrderBy(kv => kv.Key))
        {
            if (m.WritablePids > 0 && m.Pids.Count > 1)
                errors.Add($"writable frame shared between processes: 0x{pa:x} (va 0x{m.Va:x}) is mapped by pids {string.Join(", ", m.Pids.Order())}");
            int refs = frames.Info(pa).RefCount;
            if (refs != m.Count)
                errors.Add($"reference count of 0x{pa:x} is {refs} but {m.Count} mapping(s) use it");
        }
        var leaks = frames.Leaks(reachable).Select(l => l.Pa).ToList();
        foreach (ulong pa in leaks)
            errors.Add($"leaked frame: 0x{pa:x} ({frames.Info(pa).Owner.ToString().ToLowerInvariant()}, pid {frames.Info(pa).Pid}) is reachable from no page table");
        return new CheckReport(errors, leaks);
    }

    private static void TablePages(PageTable pt, string who, int pid, FrameAllocator frames, HashSet<ulong> reachable,
        Dictionary<ulong, string> tableOf, List<string> errors)
    {
        void One(ulong pa)
        {
            reachable.Add(pa);
            var info = frames.Info(pa);
            if (info.Owner != FrameOwner.PageTable)
                errors.Add($"freed but mapped: page-table page 0x{pa:x} of {who} is {info.Owner.ToString().ToLowerInvariant()}");
            else if (info.Pid != pid)
                errors.Add($"page-table page of another process: 0x{pa:x} in the table of {who} belongs to pid {info.Pid}");
            if (!tableOf.TryAdd(pa, who))
                errors.Add($"page-table page of another process: 0x{pa:x} is in the tables of {tableOf[pa]} and {who}");
        }
        One(pt.Root);
        for (var it = pt.TablePages(); !it.Done; it.Next()) One(it.Pa);
    }

    // check_page_table_mappings: below PROC_START_ADDR a process maps what the kernel maps, as the kernel maps it.
    private static void KernelHalf(PageTable kernel, Process p, List<string> errors)
    {
        const ulong Bits = Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX;
        var k = kernel.Iter();
        var u = p.PageTable.Iter();
        for (ulong va = 0; va < ProcStartAddr; va += PageSize)
        {
            k.Find(va);
            u.Find(va);
            bool same = k.Present == u.Present && (!k.Present || (k.Pa == u.Pa && (k.Perm & Bits) == (u.Perm & Bits)));
            if (same) continue;
            string Say(VmIter i) => i.Present ? $"0x{i.Pa:x} {Pte.FormatConstants(i.Perm & Bits)}" : "nothing";
            errors.Add(va == ConsoleAddr
                ? $"kernel mapping missing: pid {p.Pid} maps the console 0x{va:x} to {Say(u)}; every process maps it to 0x{ConsoleAddr:x} PTE_P | PTE_W | PTE_U"
                : $"kernel mapping missing: pid {p.Pid}'s page table does not map the kernel as kernel_pagetable does: va 0x{va:x} maps {Say(u)}, the kernel maps {Say(k)}");
            return;     // the first difference says enough
        }
    }
}

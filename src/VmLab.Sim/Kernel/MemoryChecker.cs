using VmLab.Sim.Memory;
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
/// frame allocator (WeensyOS check_page_table_ownership, check_page_table_mappings, check_virtual_memory):
/// - leaked frame: owned by a process or page table, but no live page table reaches it;
/// - freed but mapped: a page-table page, or a user mapping, pointing at a free frame;
/// - kernel frame mapped for users: a user-accessible mapping of a kernel, reserved or page-table frame
///   (the console is the one kernel-half page users may touch);
/// - writable frame shared between processes (read-only sharing, as after fork or COW, is fine);
/// - reference count different from the number of user mappings of a frame;
/// - kernel mapping missing (check_page_table_mappings): a process table that does not map
///   [0, PROC_START_ADDR) exactly as kernel_pagetable does, the console P|W|U at CONSOLE_ADDR included;
/// - page-table page of another process (check_page_table_ownership): a table page owned by a pid other than
///   its table's, or reached from two tables; page-table page shared: a table page whose reference count is not 1.
/// The seams' permission contracts need to know what a kernel entry did, not only the state it left: see
/// <see cref="SeamContracts"/>. The kernel checks incrementally after entries (<see cref="MemoryWatch"/> walks only the
/// tables that changed, <see cref="FrameLedger"/> judges only the frames whose uses or allocator state changed); this
/// walks everything afresh, judges every frame, and finds exactly what that finds, in the same order.
/// </summary>
public static class MemoryChecker
{
    /// <summary>
    /// Walks every live process's page table and the kernel's against <see cref="Kernel.Frames"/> and reports what
    /// breaks the invariants above. Changes nothing.
    /// </summary>
    public static CheckReport Check(Kernel kernel) => new MemoryWatch(incremental: false).Check(kernel);

    // The invariants over walks (kernel_pagetable's, then each live process's in slot order): the same walks give
    // the same errors in the same order, however they were obtained.
    internal static CheckReport Judge(FrameAllocator frames, TableWalk kernel, IEnumerable<TableWalk> processes)
    {
        var errors = new List<string>();
        var reachable = new HashSet<ulong>();
        var tableOf = new Dictionary<ulong, string>();
        var shares = new Dictionary<ulong, Share>();
        TablePages(kernel, "kernel_pagetable", 0, frames, reachable, tableOf, errors);
        foreach (var w in processes)
        {
            int pid = w.Process!.Pid;
            TablePages(w, $"pid {pid}", pid, frames, reachable, tableOf, errors);
            if (w.KernelHalf is { } missing) errors.Add(missing);
            foreach (var page in w.Pages)
            {
                ulong va = page.Va, pa = page.Pa;
                var info = frames.Info(pa);
                if (info.Owner == FrameOwner.Console) continue;
                if (info.Owner == FrameOwner.Free)
                    errors.Add($"freed but mapped: pid {pid} maps 0x{va:x} to free frame 0x{pa:x}");
                else if (info.Owner != FrameOwner.Process || va < ProcStartAddr)
                    errors.Add($"kernel frame mapped for users: pid {pid} 0x{va:x} -> 0x{pa:x} ({info.Owner.ToString().ToLowerInvariant()})");
                else
                {
                    reachable.Add(pa);
                    if (!shares.TryGetValue(pa, out var s)) shares[pa] = s = new Share(va);
                    s.Count++;
                    if ((s.Pids & (1u << pid)) == 0 && page.Writable) s.Writable = true;
                    s.Pids |= 1u << pid;
                }
            }
        }
        foreach (var (pa, s) in shares.OrderBy(kv => kv.Key))
        {
            if (s.Writable && (s.Pids & (s.Pids - 1)) != 0)
                errors.Add($"writable frame shared between processes: 0x{pa:x} (va 0x{s.Va:x}) is mapped by pids {string.Join(", ", Enumerable.Range(0, 32).Where(i => (s.Pids & (1u << i)) != 0))}");
            int refs = frames.Info(pa).RefCount;
            if (refs != s.Count)
                errors.Add($"reference count of 0x{pa:x} is {refs} but {s.Count} mapping(s) use it");
        }
        var leaks = frames.Leaks(reachable).Select(l => l.Pa).ToList();
        foreach (ulong pa in leaks)
            errors.Add($"leaked frame: 0x{pa:x} ({frames.Info(pa).Owner.ToString().ToLowerInvariant()}, pid {frames.Info(pa).Pid}) is reachable from no page table");
        return new CheckReport(errors, leaks);
    }

    // Who maps one user frame: how often, which pids (NPROC is 16: one bit each), the first va, and whether some
    // pid's first mapping of it is writable.
    private sealed class Share(ulong va)
    {
        public ulong Va { get; } = va;
        public int Count;
        public uint Pids;
        public bool Writable;
    }

    private static void TablePages(TableWalk w, string who, int pid, FrameAllocator frames, HashSet<ulong> reachable,
        Dictionary<ulong, string> tableOf, List<string> errors)
    {
        foreach (ulong pa in w.TablePages)
        {
            reachable.Add(pa);
            var info = frames.Info(pa);
            if (info.Owner != FrameOwner.PageTable)
                errors.Add($"freed but mapped: page-table page 0x{pa:x} of {who} is {info.Owner.ToString().ToLowerInvariant()}");
            else if (info.Pid != pid)
                errors.Add($"page-table page of another process: 0x{pa:x} in the table of {who} belongs to pid {info.Pid}");
            else if (info.RefCount != 1)
                errors.Add($"page-table page shared: 0x{pa:x} in the table of {who} has reference count {info.RefCount}; a page-table page belongs to exactly one table");
            if (!tableOf.TryAdd(pa, who))
                errors.Add($"page-table page of another process: 0x{pa:x} is in the tables of {tableOf[pa]} and {who}");
        }
    }
}

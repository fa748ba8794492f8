using VmLab.Sim.Memory;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>
/// <see cref="MemoryChecker"/>'s invariants kept frame by frame, so that judging them again costs what changed.
/// Every invariant is about one frame: what its <see cref="FrameInfo"/> says, and which walks use it (as a table page
/// or as a user page at some va). The ledger keeps, per frame, those uses and what they break; a new walk of a table
/// updates the uses that differ from the old walk, the frame allocator's journal names the frames whose info changed,
/// and only those frames are judged again. The report is the one <see cref="MemoryChecker.Judge"/> gives for the same
/// walks: the same findings in the same order (a test compares them after every entry of long random runs).
/// </summary>
internal sealed class FrameLedger
{
    // One use of a frame by walk Walk (0: kernel_pagetable, else slot + 1): table page number Pos of it, or the user
    // page at Va.
    private readonly record struct Use(int Walk, int Pid, bool Table, long Pos, ulong Va, bool Writable);

    // Where a finding sorts in Judge's report: per walk (its table pages, its kernel half, its pages by va), then the
    // shares by frame, then the leaks by frame.
    private readonly record struct Key(int Phase, int Walk, int Part, ulong Pos, int Seq) : IComparable<Key>
    {
        public int CompareTo(Key o) =>
            Phase != o.Phase ? Phase.CompareTo(o.Phase) : Walk != o.Walk ? Walk.CompareTo(o.Walk) : Part != o.Part ? Part.CompareTo(o.Part)
            : Pos != o.Pos ? Pos.CompareTo(o.Pos) : Seq.CompareTo(o.Seq);
    }

    private sealed record Findings(List<(Key Key, string Text)> Errors, bool Leaked);

    private readonly Dictionary<ulong, List<Use>> _uses = [];           // by pfn
    private readonly Dictionary<ulong, Findings> _findings = [];        // by pfn, only frames that break something
    private readonly string?[] _kernelHalf = new string?[NProc + 1];    // by walk: check_page_table_mappings' finding
    private readonly HashSet<ulong> _dirty = [];
    private readonly List<(Key, string)> _scratch = [];
    private long _mark;
    private bool _everything = true;
    private bool _stale = true;
    private CheckReport? _report;

    /// <summary>Forgets everything: the next <see cref="Judge"/> looks at every frame.</summary>
    public void Reset()
    {
        _uses.Clear();
        _findings.Clear();
        Array.Clear(_kernelHalf);
        _dirty.Clear();
        _everything = _stale = true;
        _report = null;
    }

    /// <summary>Replaces the uses of <paramref name="before"/> (null: none) by those of <paramref name="after"/> (null:
    /// the table is gone). Both walks are of the same table slot and, when both are given, of the same process.</summary>
    public void Replace(TableWalk? before, TableWalk? after)
    {
        var w = after ?? before;
        if (w is null) return;
        int walk = WalkOf(w), pid = w.Process?.Pid ?? 0;
        if (before is not null)
            for (int i = 0; i < before.TablePages.Length; i++) Remove(before.TablePages[i], u => u.Walk == walk && u.Table);
        if (after is not null)
            for (int i = 0; i < after.TablePages.Length; i++) Add(after.TablePages[i], new Use(walk, pid, true, i, 0, false));
        DiffPages(walk, pid, before?.Pages ?? [], after?.Pages ?? []);
        if (_kernelHalf[walk] != after?.KernelHalf)
        {
            _kernelHalf[walk] = after?.KernelHalf;
            _stale = true;
        }
    }

    /// <summary>The invariants over the walks given so far and <paramref name="frames"/> as it is now.</summary>
    public CheckReport Judge(FrameAllocator frames)
    {
        var changed = frames.ChangedSince(_mark, out bool everything);
        if (everything || _everything)
        {
            for (ulong pfn = 0; pfn < frames.Memory.FrameCount; pfn++) _dirty.Add(pfn);
            foreach (ulong pfn in _uses.Keys) _dirty.Add(pfn);
        }
        else
            foreach (ulong pfn in changed) _dirty.Add(pfn);
        _mark = frames.ChangeMark;
        _everything = false;
        foreach (ulong pfn in _dirty) Evaluate(pfn, frames);
        _dirty.Clear();
        if (_stale || _report is null) _report = Report();
        _stale = false;
        return _report;
    }

    private static int WalkOf(TableWalk w) => w.Process is { } p ? p.Pid + 1 : 0;

    // Both page lists are in va order: only the pages that differ change uses.
    private void DiffPages(int walk, int pid, UserPage[] before, UserPage[] after)
    {
        int i = 0, j = 0;
        while (i < before.Length || j < after.Length)
        {
            if (j == after.Length || (i < before.Length && before[i].Va < after[j].Va))
                RemovePage(walk, before[i++]);
            else if (i == before.Length || after[j].Va < before[i].Va)
                AddPage(walk, pid, after[j++]);
            else
            {
                var (b, a) = (before[i++], after[j++]);
                if (b.Pa == a.Pa && b.Writable == a.Writable) continue;
                RemovePage(walk, b);
                AddPage(walk, pid, a);
            }
        }
    }

    private void RemovePage(int walk, UserPage p) => Remove(p.Pa, u => u.Walk == walk && !u.Table && u.Va == p.Va);

    private void AddPage(int walk, int pid, UserPage p) => Add(p.Pa, new Use(walk, pid, false, 0, p.Va, p.Writable));

    private void Add(ulong pa, Use use)
    {
        ulong pfn = pa >> PhysicalMemory.FrameShift;
        if (!_uses.TryGetValue(pfn, out var list)) _uses[pfn] = list = [];
        list.Add(use);
        _dirty.Add(pfn);
    }

    private void Remove(ulong pa, Predicate<Use> which)
    {
        ulong pfn = pa >> PhysicalMemory.FrameShift;
        if (_uses.TryGetValue(pfn, out var list) && list.RemoveAll(which) > 0 && list.Count == 0) _uses.Remove(pfn);
        _dirty.Add(pfn);
    }

    // MemoryChecker.Judge's rules, for the uses of one frame in the order Judge meets them.
    private void Evaluate(ulong pfn, FrameAllocator frames)
    {
        ulong pa = pfn << PhysicalMemory.FrameShift;
        var info = frames.Info(pa);
        var errors = _scratch;
        errors.Clear();
        bool reachable = false;
        if (_uses.TryGetValue(pfn, out var uses) && uses.Count > 0)
        {
            uses.Sort((a, b) => a.Walk != b.Walk ? a.Walk.CompareTo(b.Walk) : a.Table != b.Table ? (a.Table ? -1 : 1)
                : a.Table ? a.Pos.CompareTo(b.Pos) : a.Va.CompareTo(b.Va));
            reachable = TableUses(pa, info, uses, errors) | UserUses(pa, info, uses, errors);
        }
        if (!reachable && info.Owner is FrameOwner.Process or FrameOwner.PageTable)
            errors.Add((new Key(2, 0, 0, pa, 0), $"leaked frame: 0x{pa:x} ({Word(info.Owner)}, pid {info.Pid}) is reachable from no page table"));
        if (errors.Count > 0)
        {
            _findings[pfn] = new Findings([.. errors], !reachable && info.Owner is FrameOwner.Process or FrameOwner.PageTable);
            _stale = true;
        }
        else if (_findings.Remove(pfn)) _stale = true;
    }

    // MemoryChecker.TablePages for one frame: true when some walk has it as a table page.
    private static bool TableUses(ulong pa, FrameInfo info, List<Use> uses, List<(Key, string)> errors)
    {
        string? first = null;
        foreach (var u in uses)
        {
            if (!u.Table) continue;
            string who = u.Walk == 0 ? "kernel_pagetable" : $"pid {u.Pid}";
            var key = new Key(0, u.Walk, 0, (ulong)u.Pos, 0);
            if (info.Owner != FrameOwner.PageTable)
                errors.Add((key, $"freed but mapped: page-table page 0x{pa:x} of {who} is {Word(info.Owner)}"));
            else if (info.Pid != u.Pid)
                errors.Add((key, $"page-table page of another process: 0x{pa:x} in the table of {who} belongs to pid {info.Pid}"));
            else if (info.RefCount != 1)
                errors.Add((key, $"page-table page shared: 0x{pa:x} in the table of {who} has reference count {info.RefCount}; a page-table page belongs to exactly one table"));
            if (first is null) first = who;
            else errors.Add((key with { Seq = 1 }, $"page-table page of another process: 0x{pa:x} is in the tables of {first} and {who}"));
        }
        return first is not null;
    }

    // MemoryChecker.Judge's user pages and shares for one frame: true when some process maps it as its own.
    private static bool UserUses(ulong pa, FrameInfo info, List<Use> uses, List<(Key, string)> errors)
    {
        if (info.Owner == FrameOwner.Console) return false;
        int count = 0;
        uint pids = 0;
        bool writable = false;
        ulong va = 0;
        foreach (var u in uses)
        {
            if (u.Table) continue;
            var key = new Key(0, u.Walk, 2, u.Va, 0);
            if (info.Owner == FrameOwner.Free)
                errors.Add((key, $"freed but mapped: pid {u.Pid} maps 0x{u.Va:x} to free frame 0x{pa:x}"));
            else if (info.Owner != FrameOwner.Process || u.Va < ProcStartAddr)
                errors.Add((key, $"kernel frame mapped for users: pid {u.Pid} 0x{u.Va:x} -> 0x{pa:x} ({Word(info.Owner)})"));
            else
            {
                if (count++ == 0) va = u.Va;
                if ((pids & (1u << u.Pid)) == 0 && u.Writable) writable = true;
                pids |= 1u << u.Pid;
            }
        }
        if (count == 0) return false;
        if (writable && (pids & (pids - 1)) != 0)
            errors.Add((new Key(1, 0, 0, pa, 0), $"writable frame shared between processes: 0x{pa:x} (va 0x{va:x}) is mapped by pids {string.Join(", ", Enumerable.Range(0, 32).Where(i => (pids & (1u << i)) != 0))}"));
        if (info.RefCount != count)
            errors.Add((new Key(1, 0, 0, pa, 1), $"reference count of 0x{pa:x} is {info.RefCount} but {count} mapping(s) use it"));
        return true;
    }

    private CheckReport Report()
    {
        var all = new List<(Key Key, string Text)>();
        foreach (var f in _findings.Values) all.AddRange(f.Errors);
        for (int walk = 0; walk < _kernelHalf.Length; walk++)
            if (_kernelHalf[walk] is { } missing) all.Add((new Key(0, walk, 1, 0, 0), missing));
        if (all.Count > 1) all.Sort((a, b) => a.Key.CompareTo(b.Key));
        // Plain loops rather than LINQ: LINQ's generic code over these value types is not in any precompiled image,
        // and this runs at every start (the first check after boot).
        var leaks = new List<ulong>();
        foreach (var (pfn, f) in _findings)
            if (f.Leaked) leaks.Add(pfn << PhysicalMemory.FrameShift);
        if (leaks.Count > 1) leaks.Sort();
        var texts = new string[all.Count];
        for (int i = 0; i < texts.Length; i++) texts[i] = all[i].Text;
        return new CheckReport(texts, leaks);
    }

    private static string Word(FrameOwner owner) => owner.ToString().ToLowerInvariant();
}

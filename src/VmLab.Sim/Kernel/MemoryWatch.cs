namespace VmLab.Sim.Kernel;

/// <summary>
/// The memory checker at the cost of what changed. It keeps the last walk of every live page table and walks a
/// table again only when one of its table pages was written or lent out (<see cref="Memory.PhysicalMemory.Generation"/>),
/// its process changed (a new process in the slot, exit), or, for the kernel half, kernel_pagetable changed. The
/// invariants are judged again only when a walk or the frame allocator (<see cref="Memory.FrameAllocator.Version"/>)
/// changed, and then (<see cref="FrameLedger"/>) only for the frames a changed walk or the allocator touched;
/// otherwise the last report stands. A timer interrupt or a getpid therefore costs a few generation reads per
/// process, a fork one walk of the child's table, while what it reports is what <see cref="MemoryChecker.Check"/>
/// (incremental: false: every table walked, every frame judged) would find.
/// </summary>
internal sealed class MemoryWatch(bool incremental = true)
{
    private readonly FrameLedger? _ledger = incremental ? new() : null;
    private readonly TableWalk?[] _walks = new TableWalk?[KernelLayout.NProc];
    private readonly List<(TableWalk? Before, TableWalk After)> _rewalked = [];
    private TableWalk? _kernel;
    private long _kernelWalks;
    private long _framesVersion = -1;
    private long _memoryChanges = -1;
    private long _processTable = -1;
    private bool _lentTables;
    private long _walkCount, _judgements;
    private CheckReport? _last;

    /// <summary>Page tables walked so far, and times the invariants were judged: what the checking cost.</summary>
    public (long Walks, long Judgements) Work => (_walkCount, _judgements);

    /// <summary>Tables walked again by the last <see cref="Check"/>, each with its previous walk when the same
    /// process had one: what the entry changed.</summary>
    public IReadOnlyList<(TableWalk? Before, TableWalk After)> Rewalked => _rewalked;

    /// <summary>The latest walk of the live process <paramref name="p"/>'s table, if any.</summary>
    public TableWalk? WalkOf(Process p) => _walks[p.Pid] is { } w && w.Process == p ? w : null;

    /// <summary>Forgets every walk (a checkpoint restore rewrote the machine): the next check walks everything.</summary>
    public void Forget()
    {
        Array.Clear(_walks);
        _kernel = null;
        _last = null;
        _framesVersion = -1;
        _memoryChanges = -1;
        _processTable = -1;
        _rewalked.Clear();
        _ledger?.Reset();
    }

    /// <summary>What the invariants say about the machine now.</summary>
    public CheckReport Check(Kernel k)
    {
        _rewalked.Clear();
        var memory = k.Memory;
        if (_last is not null && memory.ChangeCount == _memoryChanges && k.Frames.Version == _framesVersion && !_lentTables
            && k.ProcessTableVersion == _processTable)
            return _last;       // no frame written, lent, allocated or freed, no process came or went: nothing to see
        _memoryChanges = memory.ChangeCount;
        _processTable = k.ProcessTableVersion;
        bool changed = false;
        if (_kernel is null || _kernel.Table != k.KernelPageTable || !_kernel.Fresh(memory))
        {
            var old = _kernel;
            _kernel = TableWalk.OfKernel(k.KernelPageTable, ++_kernelWalks);
            _ledger?.Replace(old, _kernel);
            _walkCount++;
            changed = true;
        }
        for (int slot = 0; slot < _walks.Length; slot++)
        {
            var p = k.InSlot(slot);
            var w = _walks[slot];
            if (p is null)
            {
                changed |= w is not null;
                _ledger?.Replace(w, null);
                _walks[slot] = null;
                continue;
            }
            if (w is not null && w.Process == p && w.Table.Root == p.PageTable.Root && w.KernelWalk == _kernelWalks && w.Fresh(memory))
                continue;
            _walks[slot] = TableWalk.Of(p, _kernel);
            if (w is not null && w.Process != p) _ledger?.Replace(w, null);
            _ledger?.Replace(w?.Process == p ? w : null, _walks[slot]);
            _walkCount++;
            _rewalked.Add((w?.Process == p ? w : null, _walks[slot]!));
            changed = true;
        }
        _lentTables = _kernel.Lent || _walks.Any(w => w is not null && w.Lent);
        if (!changed && _last is not null && k.Frames.Version == _framesVersion) return _last;
        _framesVersion = k.Frames.Version;
        _judgements++;
        return _last = _ledger?.Judge(k.Frames) ?? MemoryChecker.Judge(k.Frames, _kernel, _walks.OfType<TableWalk>());
    }
}

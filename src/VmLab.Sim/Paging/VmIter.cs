using VmLab.Sim.Memory;
using static VmLab.Sim.Paging.Pte;
using static VmLab.Sim.Paging.VirtualAddress;

namespace VmLab.Sim.Paging;

/// <summary>
/// Answers "in page table pt, what does va map to, with which permissions?" and changes mappings
/// (WeensyOS k-vmiter.hh). The iterator keeps its place in the table (the entry it stands on and the
/// permissions of the levels above), so stepping through neighbouring addresses costs one entry read.
/// Permissions are effective ones: P, W and U are the AND of all levels, NX the OR (SDM 4.6).
/// </summary>
public sealed class VmIter
{
    private const ulong InitialPerm = 0xFFF;
    private const ulong RangeKeyPerm = PTE_P | PTE_W | PTE_U | PTE_NX;
    private readonly PageTable _pt;
    private readonly PhysicalMemory _memory;
    private ulong _va;
    private int _level;          // level of the entry we stand on: 3 = PML4E ... 0 = PTE
    private ulong _pep;          // physical address of that entry
    private ulong _perm;         // AND of bits 11:0 of the entries above it
    private ulong _nx;           // OR of NX of the entries above it

    /// <summary>An iterator on <paramref name="pt"/> positioned at <paramref name="va"/>.</summary>
    public VmIter(PageTable pt, ulong va = 0)
    {
        _pt = pt;
        _memory = pt.Memory;
        Restart(va);
    }

    /// <summary>The page table this iterator walks (and that <see cref="Map"/> changes).</summary>
    public PageTable PageTable => _pt;

    // ADDRESS QUERIES

    /// <summary>Current virtual address.</summary>
    public ulong Va => _va;

    /// <summary>One past the last address of the current range: the span of the entry we stand on
    /// (a 4 KiB page, a large page, or a whole unmapped subtree). 0 after the top of the address space.</summary>
    public ulong LastVa => (_va | OffsetMask(_level)) + 1;

    /// <summary>Size of the current range: 4 KiB, 2 MiB, 1 GiB or 512 GiB.</summary>
    public ulong RangeSize => EntrySpan(_level);

    /// <summary>Level of the entry mapping <see cref="Va"/>: 0 for a 4 KiB page, 1 for 2 MiB, 2 for 1 GiB.</summary>
    public int Level => _level;

    /// <summary>Physical address <see cref="Va"/> maps to, or ulong.MaxValue (-1) when unmapped.</summary>
    public ulong Pa
    {
        get
        {
            ulong e = Entry;
            return IsLeaf(e) ? (e & PTE_PAMASK & ~OffsetMask(_level)) + (_va & OffsetMask(_level)) : ulong.MaxValue;
        }
    }

    /// <summary>The raw entry we stand on (leaf PTE/PDE/PDPTE, or the not-present entry that stops the walk).</summary>
    public ulong Entry => _memory.ReadU64(_pep);

    /// <summary>Physical address of that entry.</summary>
    public ulong EntryAddress => _pep;

    // PERMISSIONS

    /// <summary>Effective permissions of <see cref="Va"/>: the leaf's bits 11:0 ANDed with every level above
    /// (so PS, G and D read 0 here; see <see cref="Entry"/>), plus PTE_NX if any level sets it; 0 when unmapped.</summary>
    public ulong Perm
    {
        get
        {
            ulong e = Entry;
            return IsLeaf(e) ? (e & _perm & InitialPerm) | ((e | _nx) & PTE_NX) : 0;
        }
    }

    /// <summary>True if <see cref="Va"/> is mapped.</summary>
    public bool Present => (Perm & PTE_P) != 0;

    /// <summary>True if <see cref="Va"/> is mapped writable at every level.</summary>
    public bool Writable => (Perm & (PTE_P | PTE_W)) == (PTE_P | PTE_W);

    /// <summary>True if <see cref="Va"/> is mapped user-accessible at every level.</summary>
    public bool User => (Perm & (PTE_P | PTE_U)) == (PTE_P | PTE_U);

    /// <summary>True if every address in [Va, Va+size) is mapped with at least <paramref name="desired"/>
    /// (PTE_NX in <paramref name="desired"/> is ignored). Leaves the iterator where it was.</summary>
    public bool RangePerm(ulong size, ulong desired)
    {
        desired &= InitialPerm;
        ulong start = _va, end = _va + size;
        if (end < start) return false;   // wraps past the top
        bool ok = true;
        for (ulong va = start; va < end && ok;)
        {
            Find(va);
            ok = (Perm & desired) == desired;
            ulong next = LastVa;
            if (next == 0) break;
            va = next;
        }
        Find(start);
        return ok;
    }

    // TRAVERSAL

    /// <summary>Moves to <paramref name="va"/>. Within the current table page only the entry changes: the
    /// levels above are remembered, as in WeensyOS, so after editing upper-level entries by hand use a new iterator.</summary>
    public VmIter Find(ulong va)
    {
        if (((_va ^ va) & ~OffsetMask(_level + 1)) != 0 || _level == 3)
        {
            Restart(va);
            return this;
        }
        _pep = (_pep & ~PageOffsetMask) + (ulong)Index(va, _level) * 8;
        _va = va;
        Down();
        return this;
    }

    /// <summary>Moves by <paramref name="delta"/> bytes.</summary>
    public VmIter Advance(long delta) => Find(_va + (ulong)delta);

    /// <summary>Moves to the next page when <see cref="Va"/> is mapped; when it is not, skips the whole
    /// unmapped subtree (up to 512 GiB) at once. Steps over the non-canonical hole; wraps to 0 after the top.</summary>
    public void Next()
    {
        int level = _level > 0 && Perm == 0 ? _level : 0;
        Find(Step((_va | OffsetMask(level)) + 1));
    }

    /// <summary>Moves to the start of the next range with different P/W/U/NX or non-contiguous physical
    /// addresses, skipping whole leaf ranges; stops at 0 after the top.</summary>
    public void NextRange()
    {
        ulong key = Perm & RangeKeyPerm, pa = Pa;
        while (true)
        {
            ulong next = Step(LastVa);
            ulong expected = pa == ulong.MaxValue ? pa : pa + (next - _va);
            Find(next);
            if (next == 0 || (Perm & RangeKeyPerm) != key || Pa != expected) return;
            pa = Pa;
        }
    }

    // MODIFICATION

    /// <summary>Maps the 4 KiB page at <see cref="Va"/> to <paramref name="pa"/> with <paramref name="perm"/>
    /// (perm 0 unmaps), allocating page-table pages as needed. Throws when memory runs out or on misuse.</summary>
    public void Map(ulong pa, ulong perm)
    {
        if (!TryMap(pa, perm))
            throw new InvalidOperationException($"vmiter.map: out of memory for page tables mapping 0x{_va:x}");
    }

    /// <summary>As <see cref="Map"/> but returns false when a page-table page cannot be allocated; then no
    /// change is left behind: pages it allocated are freed and the table is byte-identical.</summary>
    public bool TryMap(ulong pa, ulong perm) => TryMapAt(pa, perm, 0);

    /// <summary>Maps a large page at <see cref="Va"/>: <paramref name="level"/> 1 for 2 MiB, 2 for 1 GiB
    /// (sets PTE_PS). Va and pa must be aligned to the page size. Throws like <see cref="Map"/>.</summary>
    public void MapLarge(ulong pa, ulong perm, int level)
    {
        if (level is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(level), "vmiter.map: large pages are level 1 (2 MiB) or 2 (1 GiB)");
        if (!TryMapAt(pa, perm == 0 ? 0 : perm | PTE_PS, level))
            throw new InvalidOperationException($"vmiter.map: out of memory for page tables mapping 0x{_va:x}");
    }

    private bool TryMapAt(ulong pa, ulong perm, int leafLevel)
    {
        ulong mask = OffsetMask(leafLevel);
        if ((_va & mask) != 0) throw new ArgumentException($"vmiter.map: va 0x{_va:x} is not aligned to 0x{mask + 1:x}");
        if ((perm & ~PTE_FLAGS) != 0) throw new ArgumentException($"vmiter.map: perm 0x{perm:x} has address bits set");
        if ((perm & PTE_PS) != 0 && leafLevel == 0) throw new ArgumentException("vmiter.map: PTE_PS needs MapLarge");
        if ((perm & PTE_P) != 0 && ((pa & mask) != 0 || (pa & ~PTE_PAMASK) != 0))
            throw new ArgumentException($"vmiter.map: pa 0x{pa:x} is not a 0x{mask + 1:x}-aligned physical address");
        if (_level < leafLevel)
            throw new InvalidOperationException($"vmiter.map: a large page at 0x{_va:x} would hide an existing page table");
        if (_level > leafLevel && IsLeaf(Entry))
            throw new InvalidOperationException($"vmiter.map: 0x{_va:x} lies inside a {(_level == 1 ? "2 MiB" : "1 GiB")} page");
        if ((perm & PTE_P) == 0)
        {
            if (_level == leafLevel) _memory.WriteU64(_pep, 0);
            return true;    // nothing mapped below an absent entry: already unmapped
        }
        if ((perm & ~_perm & (PTE_W | PTE_U)) != 0)
            throw new ArgumentException($"vmiter.map: an upper level of 0x{_va:x} denies {FormatConstants(perm & ~_perm & (PTE_W | PTE_U))}");

        // Build missing tables top-down. Only the first write lands in a pre-existing table; the rest
        // land in pages allocated here, so undoing that one write and freeing those pages restores the table.
        ulong firstEntry = ulong.MaxValue, firstOld = 0;   // a not-present entry may hold software bits: keep them
        Span<ulong> fresh = stackalloc ulong[3];
        int freshCount = 0;
        while (_level > leafLevel)
        {
            if (_pt.Allocator is not { } alloc || !alloc.TryAllocate(FrameOwner.PageTable, _pt.Pid, out ulong table))
            {
                if (firstEntry != ulong.MaxValue) _memory.WriteU64(firstEntry, firstOld);
                for (int i = 0; i < freshCount; i++) _pt.Allocator!.Free(fresh[i]);
                Restart(_va);
                return false;
            }
            fresh[freshCount++] = table;
            if (firstEntry == ulong.MaxValue) (firstEntry, firstOld) = (_pep, _memory.ReadU64(_pep));
            _memory.WriteU64(_pep, table | PTE_P | PTE_W | PTE_U);
            Down();
        }
        _memory.WriteU64(_pep, pa | perm);
        return true;
    }

    private bool IsLeaf(ulong e) => (e & PTE_P) != 0 && (_level == 0 || (e & PTE_PS) != 0);

    private void Restart(ulong va)
    {
        _va = va;
        _level = 3;
        _perm = InitialPerm;
        _nx = 0;
        _pep = _pt.Root + (ulong)Index(va, 3) * 8;
        Down();
    }

    private void Down()
    {
        while (_level > 0)
        {
            ulong e = _memory.ReadU64(_pep);
            if ((e & (PTE_P | PTE_PS)) != PTE_P) return;
            _perm &= e;
            _nx |= e & PTE_NX;
            _level--;
            _pep = (e & PTE_PAMASK) + (ulong)Index(_va, _level) * 8;
        }
    }

    // Addresses in the non-canonical hole are not translatable: a step into it continues in the high half.
    private static ulong Step(ulong va) => va == LowEnd ? HighStart : va;
}

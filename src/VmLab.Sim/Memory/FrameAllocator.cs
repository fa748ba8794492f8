namespace VmLab.Sim.Memory;

/// <summary>Who a physical frame belongs to, as the WeensyOS memory viewer colours it.</summary>
public enum FrameOwner : byte
{
    /// <summary>Not allocated: free for the next <see cref="FrameAllocator.TryAllocate"/>.</summary>
    Free,
    /// <summary>Never handed out: the null page, firmware areas and I/O holes (WeensyOS's "R").</summary>
    Reserved,     // never handed out: the null page, firmware, I/O holes
    /// <summary>Kernel code, data or a kernel stack (WeensyOS's "K").</summary>
    Kernel,       // kernel code, data, stacks
    /// <summary>A page-table page at any level, PML4 to PT (what ptiter visits).</summary>
    PageTable,    // a page-table page (any level)
    /// <summary>A page belonging to process <see cref="FrameInfo.Pid"/> (WeensyOS colours it by pid).</summary>
    Process,      // memory belonging to process Pid
    /// <summary>The CGA console page (physical 0xB8000 in WeensyOS), which processes may map to print.</summary>
    Console,      // the CGA console page
}

/// <summary>The state of one frame: owner, owning process (0 for none), and a reference count.</summary>
public readonly record struct FrameInfo(FrameOwner Owner, int Pid, int RefCount);

/// <summary>
/// Hands out and takes back 4 KiB frames of a <see cref="PhysicalMemory"/>, remembering who owns each one.
/// Misuse panics as a kernel would: freeing a free frame throws "kfree: double free of 0x5000".
/// Allocation order is deterministic: frames freed most recently come back first, then never-used frames
/// in ascending address order, so runs are reproducible.
/// </summary>
public sealed partial class FrameAllocator
{
    private readonly PhysicalMemory _memory;
    private readonly Dictionary<ulong, FrameInfo> _used = [];   // pfn -> info, absent means free
    private readonly Stack<ulong> _freed = new();
    private ulong _cursor;                                      // every pfn below it has been handed out once

    /// <summary>Every frame of <paramref name="memory"/> starts free; mark holes with <see cref="Reserve"/>.</summary>
    public FrameAllocator(PhysicalMemory memory) => _memory = memory;

    /// <summary>The physical memory whose frames this allocator hands out.</summary>
    public PhysicalMemory Memory => _memory;

    /// <summary>Changes with every allocation, free, reservation and reference count change: an observer that saw
    /// the same number saw the same frames.</summary>
    public long Version { get; private set; }     // moved by Changed and ChangedAll (FrameAllocator.Changes.cs)

    /// <summary>Allocations refused because every frame was owned: how often memory was full.</summary>
    public long Refusals { get; private set; }

    /// <summary>Frames not currently owned.</summary>
    public ulong FreeFrames => _memory.FrameCount - (ulong)_used.Count;

    // ALLOCATION

    /// <summary>Allocates a zeroed frame for <paramref name="owner"/>; false when memory is exhausted.</summary>
    public bool TryAllocate(FrameOwner owner, int pid, out ulong pa)
    {
        if (owner == FrameOwner.Free) throw new ArgumentException("kalloc: cannot allocate a frame for owner Free", nameof(owner));
        while (_freed.TryPop(out ulong pfn))
        {
            if (_used.ContainsKey(pfn)) continue;   // reserved again after it was freed
            return Take(pfn, owner, pid, out pa);
        }
        for (; _cursor < _memory.FrameCount; _cursor++)
        {
            if (!_used.ContainsKey(_cursor))
                return Take(_cursor++, owner, pid, out pa);
        }
        pa = ulong.MaxValue;
        Refusals++;
        return false;
    }

    /// <summary>Allocates a zeroed frame; throws when physical memory is exhausted.</summary>
    public ulong Allocate(FrameOwner owner, int pid = 0) =>
        TryAllocate(owner, pid, out ulong pa) ? pa : throw new InvalidOperationException("kalloc: out of physical memory");

    /// <summary>Marks every frame overlapping [pa, pa+length) as owned (boot-time layout); they are never handed out.</summary>
    public void Reserve(ulong pa, ulong length, FrameOwner owner, int pid = 0)
    {
        if (owner == FrameOwner.Free) throw new ArgumentException("reserve: owner must not be Free", nameof(owner));
        if (length == 0) return;
        ulong first = pa >> PhysicalMemory.FrameShift, last = (pa + length - 1) >> PhysicalMemory.FrameShift;
        if (last >= _memory.FrameCount) throw new PhysicalAddressException(pa + length - 1, _memory.Size);
        for (ulong pfn = first; pfn <= last; pfn++)
        {
            _used[pfn] = new FrameInfo(owner, pid, 1);
            Changed(pfn);
        }
    }

    /// <summary>Adds a reference to an owned frame (a shared mapping); returns the new count.</summary>
    public int AddReference(ulong pa)
    {
        ulong pfn = CheckOwned(pa, "kref");
        var info = _used[pfn];
        _used[pfn] = info with { RefCount = info.RefCount + 1 };
        Changed(pfn);
        return info.RefCount + 1;
    }

    /// <summary>Drops one reference; the frame becomes free (and zero) when none remain. Throws on a double free.</summary>
    public void Free(ulong pa)
    {
        ulong pfn = CheckOwned(pa, "kfree");
        var info = _used[pfn];
        if (info.Owner is FrameOwner.Reserved or FrameOwner.Console)
            throw new InvalidOperationException($"kfree: 0x{pa:x} is a {info.Owner.ToString().ToLowerInvariant()} frame");
        Changed(pfn);
        if (info.RefCount > 1)
        {
            _used[pfn] = info with { RefCount = info.RefCount - 1 };
            return;
        }
        _used.Remove(pfn);
        _memory.ZeroFrame(pa);
        _freed.Push(pfn);
    }

    // QUERIES

    /// <summary>The state of the frame containing <paramref name="pa"/>.</summary>
    public FrameInfo Info(ulong pa)
    {
        ulong pfn = pa >> PhysicalMemory.FrameShift;
        if (pfn >= _memory.FrameCount) throw new PhysicalAddressException(pa, _memory.Size);
        return _used.TryGetValue(pfn, out var info) ? info : new FrameInfo(FrameOwner.Free, 0, 0);
    }

    /// <summary>Frames owned by <paramref name="owner"/> (and <paramref name="pid"/> when given), ascending.</summary>
    public IReadOnlyList<ulong> Owned(FrameOwner owner, int? pid = null) =>
        [.. _used.Where(kv => kv.Value.Owner == owner && (pid is null || kv.Value.Pid == pid))
                 .Select(kv => kv.Key << PhysicalMemory.FrameShift).Order()];

    /// <summary>
    /// Leak report: frames that are allocated (process or page-table owned) but not in <paramref name="reachable"/>,
    /// the set of frames the kernel can still find from its process table and page tables.
    /// </summary>
    public IReadOnlyList<(ulong Pa, FrameInfo Info)> Leaks(IEnumerable<ulong> reachable)
    {
        var seen = reachable.Select(pa => pa >> PhysicalMemory.FrameShift).ToHashSet();
        return [.. _used.Where(kv => kv.Value.Owner is FrameOwner.Process or FrameOwner.PageTable && !seen.Contains(kv.Key))
                        .OrderBy(kv => kv.Key)
                        .Select(kv => (kv.Key << PhysicalMemory.FrameShift, kv.Value))];
    }

    private bool Take(ulong pfn, FrameOwner owner, int pid, out ulong pa)
    {
        _used[pfn] = new FrameInfo(owner, pid, 1);
        Changed(pfn);
        pa = pfn << PhysicalMemory.FrameShift;
        _memory.ZeroFrame(pa);
        return true;
    }

    private ulong CheckOwned(ulong pa, string who)
    {
        if ((pa & (PhysicalMemory.FrameSize - 1)) != 0)
            throw new InvalidOperationException($"{who}: 0x{pa:x} is not page-aligned");
        ulong pfn = pa >> PhysicalMemory.FrameShift;
        if (pfn >= _memory.FrameCount) throw new PhysicalAddressException(pa, _memory.Size);
        if (!_used.ContainsKey(pfn))
            throw new InvalidOperationException(pfn < _cursor || _freed.Contains(pfn)
                ? $"{who}: double free of 0x{pa:x}"
                : $"{who}: 0x{pa:x} was never allocated");
        return pfn;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static VmLab.Sim.Paging.Pte;
using static VmLab.Sim.Paging.VirtualAddress;

namespace VmLab.Sim.Paging;

/// <summary>
/// One CPU's translation lookaside buffer: a direct-mapped cache of translations for the current CR3, each
/// with the combined permissions of all levels already folded into one bit per (access, privilege) pair.
/// Like hardware it does not notice page-table writes: after changing a mapping the kernel must INVLPG the
/// address (or reload CR3), or the CPU keeps using the old translation (SDM 4.10.4).
/// Rules kept here: a hit never reads memory; a write through an entry whose page is not yet dirty misses,
/// so the walk can set D; an access the cached rights refuse also misses and is decided by a fresh walk;
/// a page fault drops the entry for that address; large pages are cached as their 4 KiB pieces.
/// </summary>
public sealed partial class Tlb
{
    internal struct Entry
    {
        public ulong Tag;       // virtual page number + 1; 0 = invalid
        public ulong Frame;     // physical base of this 4 KiB piece
        public ulong PageBase;  // virtual base of the whole (possibly large) page
        public byte Level;      // 0: 4 KiB, 1: 2 MiB, 2: 1 GiB
        public byte Allowed;    // bit (access * 2 + privilege) set when that access may hit
        public bool Global;
    }

    private readonly Mmu _mmu;
    private readonly Entry[] _entries;
    private readonly int _mask;
    private int _version;
    private bool _anyLarge;

    /// <summary>A TLB of <paramref name="capacity"/> entries (a power of two) for one CPU using <paramref name="mmu"/>.</summary>
    public Tlb(Mmu mmu, int capacity = 64)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(capacity), "TLB capacity must be a power of two");
        _mmu = mmu;
        _entries = new Entry[capacity];
        _mask = capacity - 1;
        _version = mmu.Version;
    }

    /// <summary>The MMU that walks the page tables on a miss.</summary>
    public Mmu Mmu => _mmu;

    /// <summary>The page table in use: the value last loaded with <see cref="LoadCr3"/>.</summary>
    public ulong Cr3 { get; private set; }

    /// <summary>Translations served from a cached entry, without a page walk.</summary>
    public long Hits { get; private set; }

    /// <summary>Translations that needed a page walk (including walks that ended in a fault).</summary>
    public long Misses { get; private set; }

    /// <summary>Entries currently valid.</summary>
    public int Count { get { int n = 0; foreach (ref readonly var e in _entries.AsSpan()) n += e.Tag != 0 ? 1 : 0; return n; } }

    // TRANSLATION

    /// <summary>Translates <paramref name="va"/> under <see cref="Cr3"/>: from the cache when it can, else by a
    /// full walk that refills it. Returns false with the fault (#PF with CR2 and error code, or #GP).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTranslate(ulong va, Access access, Privilege privilege, out ulong pa, out MemoryFault fault)
    {
        ulong vpn = va >> PageShift;
        ref Entry e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_entries), (int)vpn & _mask);
        if (e.Tag == vpn + 1 && ((e.Allowed >> ((int)access * 2 + (int)privilege)) & 1) != 0 && _version == _mmu.Version)
        {
            Hits++;
            pa = e.Frame | (va & PageOffsetMask);
            fault = default;
            return true;
        }
        return Miss(va, access, privilege, out pa, out fault);
    }

    /// <summary>As <see cref="TryTranslate"/>, throwing <see cref="MemoryFaultException"/> on a fault.</summary>
    public ulong Translate(ulong va, Access access, Privilege privilege) =>
        TryTranslate(va, access, privilege, out ulong pa, out var fault) ? pa : throw new MemoryFaultException(fault);

    // INVALIDATION

    /// <summary>MOV to CR3: switches page tables and drops every entry except global ones (when CR4.PGE).</summary>
    public void LoadCr3(ulong cr3)
    {
        Cr3 = cr3;
        Cr3Loads++;
        bool keepGlobal = _mmu.GlobalPagesEnable;
        foreach (ref var e in _entries.AsSpan())
            if (!(keepGlobal && e.Global)) e.Tag = 0;
    }

    /// <summary>INVLPG: drops the translation of the page containing <paramref name="va"/>, global or not,
    /// including every cached piece of a large page that contains it.</summary>
    public void Invlpg(ulong va)
    {
        Invlpgs++;
        LastInvlpg = va;
        ulong vpn = va >> PageShift;
        ref Entry slot = ref _entries[(int)vpn & _mask];
        if (slot.Tag == vpn + 1) slot.Tag = 0;
        if (!_anyLarge) return;
        foreach (ref var e in _entries.AsSpan())
            if (e.Tag != 0 && e.Level > 0 && (va & ~OffsetMask(e.Level)) == e.PageBase) e.Tag = 0;
    }

    /// <summary>Drops everything, global entries too (what toggling CR4.PGE does).</summary>
    public void FlushAll()
    {
        Array.Clear(_entries);
        _anyLarge = false;
        _version = _mmu.Version;
    }

    /// <summary>Zeroes the hit and miss counters.</summary>
    public void ResetCounters() => Hits = Misses = 0;

    private bool Miss(ulong va, Access access, Privilege privilege, out ulong pa, out MemoryFault fault)
    {
        Misses++;
        if (_version != _mmu.Version) FlushAll();
        ulong vpn = va >> PageShift;
        ref Entry e = ref _entries[(int)vpn & _mask];
        var none = new Mmu.NoObserver();
        if (!_mmu.Walk(Cr3, va, access, privilege, ref none, out var r, out fault))
        {
            if (e.Tag == vpn + 1) e.Tag = 0;
            pa = ulong.MaxValue;
            return false;
        }
        ulong offsetInPage = va & OffsetMask(r.Level) & ~PageOffsetMask;
        e.Tag = vpn + 1;
        e.Frame = r.Frame + offsetInPage;
        e.PageBase = va & ~OffsetMask(r.Level);
        e.Level = (byte)r.Level;
        e.Global = r.Global && _mmu.GlobalPagesEnable;
        e.Allowed = AllowedBits(r);
        _anyLarge |= r.Level > 0;
        pa = e.Frame | (va & PageOffsetMask);
        return true;
    }

    private byte AllowedBits(WalkResult r)
    {
        int bits = 0;
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 2; p++)
            {
                var access = (Access)a;
                bool ok = _mmu.Allowed(r.Rights, access, (Privilege)p) && (access != Access.Write || r.Dirty);
                if (ok) bits |= 1 << (a * 2 + p);
            }
        return (byte)bits;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>One entry of the CPU's host TLB: a page's bytes in host memory.</summary>
internal struct HostPage
{
    public const int Count = 256;   // entries per table

    public const ulong Empty = ulong.MaxValue;   // no page number: an access never matches it

    public ulong Tag;       // the virtual page number, or Empty
    public nint Addend;     // the byte at va of this page is at host address va + Addend
    public byte[] Frame;    // the pinned array Addend points into: held so that it stays alive while entered
    private readonly ulong _pad;   // 32 bytes, so that an entry is found by a shift
}

/// <summary>A direct-mapped table of host TLB entries, inside the CPU object: the translated code finds an entry
/// at a constant offset from the CPU, with no table reference to load.</summary>
[InlineArray(HostPage.Count)]
internal struct HostPageTable
{
    private HostPage _entry;
}

/// <summary>A compiled region's scratch values, saved around its slow path's call.</summary>
[InlineArray(8)]
internal struct SpillSlots
{
    private ulong _slot;
}

public sealed partial class X86Cpu<TBus>
{
    // The host TLB: the host bytes of recently used pages, one table for reads and one for writes, filled from
    // the bus after an access succeeds and emptied at every Run that may follow a change (not after a timer tick
    // that resumes the same process: ResumeUnchanged), so everything the kernel changes between runs is seen.
    // Pages this run executes from never get a write entry, so a store into code always takes the slow path,
    // which notices it.
    private const int HostPages = HostPage.Count;
    private HostPageTable _readPages, _writePages;
    // the entries filled since the tables were last emptied (index, + HostPages for a write entry), so that
    // emptying them costs what was filled; more than the list holds empties both tables whole
    private readonly short[] _filled = new short[32];
    private int _filledCount = int.MaxValue;   // at first: the tables are not even empty yet

    // Stores into a page this run fetched code from (tagged here by virtual page) make the decoded blocks be
    // checked against memory again before they run.
    private readonly ulong[] _codeTags = new ulong[16];
    private bool _codeWritten;

    /// <summary>Whether this run stored into a page it executes from since the dispatcher last looked.</summary>
    internal bool CodeWrittenInRegion => _codeWritten;

    /// <summary>A load of 1, 2, 4 or 8 bytes. Access is Write for the read half of a read-modify-write, which
    /// x86 checks (and faults) as a write: a RMW of a read-only page faults with W set before anything changes,
    /// and one that straddles into such a page faults on the first page that refuses the write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Load(ulong va, int size, out ulong value, Access access = Access.Read)
    {
        ref byte p = ref HostRead(va, size, access);
        if (!Unsafe.IsNullRef(ref p))
        {
            value = SizedAccess.Read(ref p, size);
            return true;
        }
        // the slow path hands its value over in a field: an out argument to a call that is not inlined would
        // take the address of a local of the translated block, keeping its locals out of registers
        bool ok = LoadSlow(va, size, access);
        value = _loaded;
        return ok;
    }

    /// <summary>A store of 1, 2, 4 or 8 bytes: all or nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Store(ulong va, int size, ulong value)
    {
        ref byte p = ref HostWrite(va, size);
        if (Unsafe.IsNullRef(ref p)) return StoreSlow(va, size, value);
        SizedAccess.Write(ref p, size, value);
        return true;
    }

    /// <summary>The host TLB's fast path, which the translated code inlines too: where the size bytes at va are
    /// in host memory when the page has an entry and the access stays inside it, else a null reference (then
    /// <see cref="LoadSlow"/> goes through the bus). The entry is va's; its tag is compared with the page of the
    /// access's last byte, so one compare also sends an access that crosses into the next page to the slow path
    /// (entry i only holds pages whose number is i modulo the table's size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostRead(ulong va, int size, Access access)
    {
        ref HostPage e = ref HostEntry(va, access);
        if (HostHit(ref e, va, size)) return ref HostByte(ref e, va);
        return ref Unsafe.NullRef<byte>();
    }

    /// <summary>The entry the page of va would have (the write table's for access Write).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref HostPage HostEntry(ulong va, Access access) =>
        ref Unsafe.AddByteOffset(ref TableEntry(access == Access.Write, 0), (nint)((va >> (12 - EntryShift)) & ((HostPages - 1) << EntryShift)));

    // an entry is 32 bytes: va's entry is at byte (va >> 12) % HostPages * 32 of its table, one shift and one mask
    private const int EntryShift = 5;

    /// <summary>Whether entry e holds all the size bytes at va.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool HostHit(ref HostPage e, ulong va, int size) => e.Tag == (va + (ulong)size - 1) >> 12;

    /// <summary>The host byte at va, in the page entry e holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe ref byte HostByte(ref HostPage e, ulong va) => ref Unsafe.AsRef<byte>((void*)((nint)va + e.Addend));

    /// <summary>The same for a store (<see cref="StoreSlow"/> otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostWrite(ulong va, int size) => ref HostRead(va, size, Access.Write);

    private ulong _loaded;

    // a division's results (XOps.DivideValues), scratch registers like _loaded
    internal ulong Quotient, Remainder;

    // where a compiled region keeps its scratch values (the effective address, operands, result) across its one
    // call of SlowAccess, so that nothing of the region is live across that call (XEmitter.Operands.cs)
    internal SpillSlots Spill;

    /// <summary>The one slow path of a compiled region: every access the host TLB could not serve comes here,
    /// how = size | access &lt;&lt; 4 | 0x100 for a store (of value), continuation &lt;&lt; 9. A load leaves its value
    /// in _loaded; false: it faulted (LastFault), nothing changed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool SlowAccess(ulong va, ulong value, int how) =>
        (how & 0x100) != 0 ? StoreSlow(va, how & 15, value) : LoadSlow(va, how & 15, (Access)((how >> 4) & 15));

    /// <summary>A load the host TLB could not serve: through the bus (and into the host TLB); the value is left
    /// in _loaded (0 on a fault). Never inlined: a compiled region calls it from every access's miss, and
    /// inlined (TLB lookup, MMU walk, split, fill) each access became 100+ host instructions, a prologue that
    /// zeroes hundreds of bytes of stack and a method the JIT takes far longer to compile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool LoadSlow(ulong va, int size, Access access)
    {
        ulong value;
        bool ok;
        if ((va & (ulong)(size - 1)) != 0) ok = LoadSplit(va, size, out value, access);
        else if (!_bus.TryLoad(va, size, access, Privilege, out value, out MemoryFault fault)) ok = Fail(fault);
        else
        {
            Fill(va, access);
            ok = true;
        }
        _loaded = value;
        return ok;
    }

    /// <summary>An unaligned load, byte by byte (the bus only takes naturally aligned accesses).</summary>
    private bool LoadSplit(ulong va, int size, out ulong value, Access access)
    {
        value = 0;
        for (int i = 0; i < size; i++)
        {
            if (!_bus.TryLoad(va + (ulong)i, 1, access, Privilege, out ulong b, out MemoryFault fault))
            {
                value = 0;
                return Fail(fault);
            }
            value |= b << (i * 8);
        }
        return true;
    }

    /// <summary>A store the host TLB could not serve (never inlined, as <see cref="LoadSlow"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool StoreSlow(ulong va, int size, ulong value)
    {
        ulong vpn = va >> 12;
        if (_codeTags[(int)vpn & 15] == vpn + 1) NoteCodeWrite();
        if ((va & (ulong)(size - 1)) != 0) return StoreSplit(va, size, value);
        if (!_bus.TryStore(va, size, value, Privilege, out MemoryFault fault)) return Fail(fault);
        Fill(va, Access.Write);
        return true;
    }

    /// <summary>Enters the page of va into the host TLB once an access to it has succeeded (never a write entry
    /// for a page this run executes from), when the bus's arrays are pinned: the entry keeps the page's host
    /// address, valid as long as the entry holds the array.</summary>
    private unsafe void Fill(ulong va, Access access)
    {
        ulong vpn = va >> 12;
        if (!_bus.PinnedPages || access == Access.Write && _codeTags[(int)vpn & 15] == vpn + 1) return;
        if (!_bus.TryGetPage(va & ~0xFFFUL, access, Privilege, out byte[] frame, out int offset)
            || offset < 0 || (long)offset + 4096 > frame.Length)
            return;
        int index = (int)vpn & (HostPages - 1);
        ref HostPage e = ref TableEntry(access == Access.Write, index);
        e.Tag = vpn;
        e.Frame = frame;
        e.Addend = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(frame)) + offset - (nint)(va & ~0xFFFUL);
        if (_filledCount < _filled.Length) _filled[_filledCount] = (short)(access == Access.Write ? index + HostPages : index);
        if (_filledCount <= _filled.Length) _filledCount++;   // past the list: both tables emptied whole
    }

    private static readonly HostPage s_empty = new() { Tag = HostPage.Empty };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref HostPage TableEntry(bool write, int index) =>
        ref Unsafe.Add(ref Unsafe.As<HostPageTable, HostPage>(ref write ? ref _writePages : ref _readPages), index);

    /// <summary>Empties the host TLB: every page is looked up through the bus again.</summary>
    private void NewHostGeneration()
    {
        if (_filledCount > _filled.Length)
        {
            for (int i = 0; i < HostPages; i++) TableEntry(false, i) = TableEntry(true, i) = s_empty;
        }
        else
            for (int i = 0; i < _filledCount; i++)
                TableEntry(_filled[i] >= HostPages, _filled[i] & (HostPages - 1)) = s_empty;
        _filledCount = 0;
    }

    /// <summary>Drops the write entry of a page this run now executes from: stores into it take the slow path.</summary>
    private void DropWriteEntry(ulong vpn)
    {
        ref HostPage w = ref TableEntry(true, (int)vpn & (HostPages - 1));
        if (w.Tag == vpn) w = s_empty;
    }

    private void NoteCodeWrite()
    {
        _codeWritten = true;
        _code.NewEpoch();
    }

    /// <summary>
    /// An unaligned store, byte by byte, all or nothing: when it spans two pages both are checked for
    /// writability first (by writing back a byte read from each), so a fault on the second page leaves the
    /// first untouched. Within one page the first byte decides: if it can be written, so can the rest.
    /// </summary>
    private bool StoreSplit(ulong va, int size, ulong value)
    {
        ulong last = va + (ulong)size - 1;
        if (((va ^ last) >> 12) != 0)
        {
            ulong second = last & ~0xFFFUL;
            if (_codeTags[(int)(second >> 12) & 15] == (second >> 12) + 1) NoteCodeWrite();
            if (!ProbeWrite(va) || !ProbeWrite(second)) return false;
        }
        for (int i = 0; i < size; i++)
            if (!_bus.TryStore(va + (ulong)i, 1, value >> (i * 8), Privilege, out MemoryFault fault))
                return Fail(fault);
        return true;
    }

    private bool ProbeWrite(ulong va)
    {
        if (_bus.TryLoad(va, 1, Access.Read, Privilege, out ulong b, out MemoryFault readFault))
            return _bus.TryStore(va, 1, b, Privilege, out MemoryFault f) || Fail(f);
        // not readable, so not writable either: the store reports the write fault and writes nothing
        return _bus.TryStore(va, 1, 0, Privilege, out MemoryFault wf) ? Fail(readFault) : Fail(wf);
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>The host TLB's shape: a direct-mapped table of Count pages per access kind.</summary>
internal static class HostPage
{
    public const int Count = 256;   // entries per table: a page's entry is its number's low byte

    public const ulong Empty = ulong.MaxValue;   // no page number: an access never matches it
}

/// <summary>A host TLB table inside the CPU object, so that translated code finds an entry at a constant offset
/// from the CPU: the tags (virtual page numbers, or Empty) and, 2 KiB on, the addends (the byte at va of the
/// entry's page is at host address va + Addend). Two arrays of 8-byte entries rather than one of entries, so
/// that entry i's tag and addend are each one scaled-index operand (cpu + i * 8 + offset), with no multiply.</summary>
internal struct HostPageTable
{
    public HostTags Tag;
    public HostAddends Addend;
}

[InlineArray(HostPage.Count)]
internal struct HostTags
{
    private ulong _tag;
}

[InlineArray(HostPage.Count)]
internal struct HostAddends
{
    private nint _addend;
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
    // the pinned arrays the entries' addends point into (index, + HostPages for a write entry): held so that
    // they stay alive while entered
    private readonly byte[]?[] _hostFrames = new byte[]?[2 * HostPages];
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
        nint slot = HostSlot(va);
        if (HostHit(slot, PageOf(va + (ulong)size - 1), access)) return ref HostByte(va, HostAddend(slot, access));
        return ref Unsafe.NullRef<byte>();
    }

    /// <summary>The page number of va.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PageOf(ulong va) => va >> 12;

    /// <summary>The entry page vpn would have.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint HostSlotOf(ulong vpn) => (nint)(vpn & (HostPages - 1));

    /// <summary>The entry the page of va would have (HostSlotOf(PageOf(va)), in one non-destructive rotate and a
    /// zero extension where the host has BMI2, instead of a copy, a shift and a mask: for an access that needs
    /// the page of its last byte too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint HostSlot(ulong va) => (nint)(BitOperations.RotateRight(va, 12) & (HostPages - 1));

    /// <summary>Whether entry slot (the access's first byte's) of the table for access (the write table's for
    /// Write) holds page lastVpn, the page of the access's last byte: then all its bytes are in that page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool HostHit(nint slot, ulong lastVpn, Access access) => Unsafe.Add(ref Tags(access == Access.Write), slot) == lastVpn;

    /// <summary>What entry slot adds to a virtual address of its page to make the host address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal nint HostAddend(nint slot, Access access) => Unsafe.Add(ref Addends(access == Access.Write), slot);

    /// <summary>The host byte at va, in the page whose entry's addend is addend.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe ref byte HostByte(ulong va, nint addend) => ref Unsafe.AsRef<byte>((void*)((nint)va + addend));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Tags(bool write) =>
        ref Unsafe.As<HostTags, ulong>(ref write ? ref _writePages.Tag : ref _readPages.Tag);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref nint Addends(bool write) =>
        ref Unsafe.As<HostAddends, nint>(ref write ? ref _writePages.Addend : ref _readPages.Addend);

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
        if (OutsideCanonical(va, size)) return Fail(new MemoryFault(FaultKind.GeneralProtection, va, access, PageFaultError.None));
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
        bool write = access == Access.Write;
        int index = (int)HostSlotOf(vpn);
        Unsafe.Add(ref Tags(write), index) = vpn;
        Unsafe.Add(ref Addends(write), index) =
            (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(frame)) + offset - (nint)(va & ~0xFFFUL);
        _hostFrames[write ? index + HostPages : index] = frame;
        if (_filledCount < _filled.Length) _filled[_filledCount] = (short)(write ? index + HostPages : index);
        if (_filledCount <= _filled.Length) _filledCount++;   // past the list: both tables emptied whole
    }

    /// <summary>Empties the host TLB: every page is looked up through the bus again.</summary>
    private void NewHostGeneration()
    {
        if (_filledCount > _filled.Length)
            for (int i = 0; i < 2 * HostPages; i++) Empty(i);
        else
            for (int i = 0; i < _filledCount; i++) Empty(_filled[i]);
        _filledCount = 0;
    }

    /// <summary>Empties entry i (+ HostPages for a write entry).</summary>
    private void Empty(int i)
    {
        Unsafe.Add(ref Tags(i >= HostPages), i & (HostPages - 1)) = HostPage.Empty;
        _hostFrames[i] = null;
    }

    /// <summary>Drops the write entry of a page this run now executes from: stores into it take the slow path.</summary>
    private void DropWriteEntry(ulong vpn)
    {
        int i = (int)HostSlotOf(vpn);
        if (Unsafe.Add(ref Tags(true), i) == vpn) Empty(i + HostPages);
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
        if (OutsideCanonical(va, size)) return Fail(new MemoryFault(FaultKind.GeneralProtection, va, Access.Write, PageFaultError.None));
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

    /// <summary>True when a byte of the access lies outside the canonical halves: the architecture checks the
    /// access as a whole, before any page of it is walked, so 8 bytes at 0x7fff_ffff_fffc are #GP(0), not a page
    /// fault at their first (unmapped) half.</summary>
    private static bool OutsideCanonical(ulong va, int size) =>
        !VirtualAddress.IsCanonical(va) || !VirtualAddress.IsCanonical(va + (ulong)size - 1);

    private bool ProbeWrite(ulong va)
    {
        if (_bus.TryLoad(va, 1, Access.Read, Privilege, out ulong b, out MemoryFault readFault))
            return _bus.TryStore(va, 1, b, Privilege, out MemoryFault f) || Fail(f);
        // not readable, so not writable either: the store reports the write fault and writes nothing
        return _bus.TryStore(va, 1, 0, Privilege, out MemoryFault wf) ? Fail(readFault) : Fail(wf);
    }
}

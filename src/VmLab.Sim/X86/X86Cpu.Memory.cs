using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>One entry of the CPU's host TLB: a page's bytes in host memory, valid while Tag matches.</summary>
internal struct HostPage
{
    public ulong Tag;       // vpn | generation: current only in the run that filled it
    public byte[] Frame;
    public nint Offset;     // where the page starts in Frame
}

public sealed partial class X86Cpu<TBus>
{
    // The host TLB: the host bytes of recently used pages, one table for reads and one for writes, filled from
    // the bus after an access succeeds and dropped at every Run (a new generation), so everything the kernel
    // changes between runs is seen. Pages this run executes from never get a write entry, so a store into
    // code always takes the slow path, which notices it.
    private const int HostPages = 256;
    private readonly HostPage[] _readPages = new HostPage[HostPages], _writePages = new HostPage[HostPages];
    private ulong _generation = 1UL << 52;

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
    /// in host memory when the page has a current entry and the access stays inside it, else a null reference
    /// (then <see cref="LoadSlow"/> goes through the bus).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostRead(ulong va, int size, Access access)
    {
        ulong vpn = va >> 12;
        ref HostPage e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(access == Access.Write ? _writePages : _readPages),
            (int)vpn & (HostPages - 1));
        if (e.Tag == (vpn | _generation) && (va & 0xFFF) <= (ulong)(4096 - size))
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(e.Frame), e.Offset + (nint)(va & 0xFFF));
        return ref Unsafe.NullRef<byte>();
    }

    /// <summary>The same for a store (<see cref="StoreSlow"/> otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref byte HostWrite(ulong va, int size) => ref HostRead(va, size, Access.Write);

    private ulong _loaded;

    /// <summary>A load the host TLB could not serve: through the bus (and into the host TLB); the value is left
    /// in _loaded (0 on a fault).</summary>
    internal bool LoadSlow(ulong va, int size, Access access)
    {
        ulong value;
        bool ok;
        if ((va & (ulong)(size - 1)) != 0) ok = LoadSplit(va, size, out value, access);
        else if (!_bus.TryLoad(va, size, access, Privilege, out value, out MemoryFault fault)) ok = Fail(fault);
        else
        {
            Fill(access == Access.Write ? _writePages : _readPages, va, access);
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

    internal bool StoreSlow(ulong va, int size, ulong value)
    {
        ulong vpn = va >> 12;
        if (_codeTags[(int)vpn & 15] == vpn + 1) NoteCodeWrite();
        if ((va & (ulong)(size - 1)) != 0) return StoreSplit(va, size, value);
        if (!_bus.TryStore(va, size, value, Privilege, out MemoryFault fault)) return Fail(fault);
        Fill(_writePages, va, Access.Write);
        return true;
    }

    /// <summary>Enters the page of va into the host TLB once an access to it has succeeded (never a write entry
    /// for a page this run executes from).</summary>
    private void Fill(HostPage[] table, ulong va, Access access)
    {
        ulong vpn = va >> 12;
        if (access == Access.Write && _codeTags[(int)vpn & 15] == vpn + 1) return;
        if (!_bus.TryGetPage(va & ~0xFFFUL, access, Privilege, out byte[] frame, out int offset)
            || offset < 0 || (long)offset + 4096 > frame.Length)
            return;
        ref HostPage e = ref table[(int)vpn & (HostPages - 1)];
        e.Tag = vpn | _generation;
        e.Frame = frame;
        e.Offset = offset;
    }

    /// <summary>Every host TLB entry stops matching (a new generation; the tables are cleared when it wraps).</summary>
    private void NewHostGeneration()
    {
        _generation += 1UL << 52;
        if (_generation != 0) return;
        _generation = 1UL << 52;
        Array.Clear(_readPages);
        Array.Clear(_writePages);
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

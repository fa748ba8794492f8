using System.Runtime.CompilerServices;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    // Stores into a page this run fetched code from (tagged here by virtual page) make the decoded blocks be
    // checked against memory again before they run.
    private readonly ulong[] _codeTags = new ulong[16];
    private bool _codeWritten;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadReg(int r, int size)
    {
        if (r >= 16) return (byte)(_regs.Gpr[r - 16] >> 8);
        return _regs.Gpr[r] & Mask(size);
    }

    /// <summary>Writes as x86-64 does: 32-bit results zero-extend, 8- and 16-bit ones merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteReg(int r, int size, ulong v)
    {
        if (r >= 16)
        {
            ref ulong h = ref _regs.Gpr[r - 16];
            h = (h & ~0xFF00UL) | ((v & 0xFF) << 8);
            return;
        }
        ref ulong g = ref _regs.Gpr[r];
        g = size switch
        {
            8 => v,
            4 => (uint)v,
            2 => (g & ~0xFFFFUL) | (ushort)v,
            _ => (g & ~0xFFUL) | (byte)v,
        };
    }

    /// <summary>The effective address of the instruction's memory operand; next is the following rip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Ea(ref XOp op, ulong next)
    {
        ulong a = (ulong)op.Disp;
        if (op.Base < 16) a += _regs.Gpr[op.Base];
        else if (op.Base == XOp.RipReg) a += next;
        if (op.Index < 16) a += _regs.Gpr[op.Index] << op.Scale;
        return op.Addr32 ? (uint)a : a;
    }

    /// <summary>A load; access is Write for the read half of a read-modify-write, which x86 checks (and
    /// faults) as a write: a RMW of a read-only page faults with W set before anything changes, and one that
    /// straddles into such a page faults on the first page that refuses the write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load(ulong va, int size, out ulong value, Access access = Access.Read)
    {
        if ((va & (ulong)(size - 1)) == 0)
        {
            if (_bus.TryLoad(va, size, access, Privilege, out value, out MemoryFault fault)) return true;
            return Fail(fault);
        }
        return LoadSplit(va, size, out value, access);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store(ulong va, int size, ulong value)
    {
        ulong vpn = va >> 12;
        if (_codeTags[(int)vpn & 15] == vpn + 1) NoteCodeWrite();
        if ((va & (ulong)(size - 1)) == 0)
        {
            if (_bus.TryStore(va, size, value, Privilege, out MemoryFault fault)) return true;
            return Fail(fault);
        }
        return StoreSplit(va, size, value);
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

    /// <summary>Reads the source of a generic form: register, immediate or memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Source(ref XOp op, ulong next, int size, out ulong v)
    {
        switch (op.Form)
        {
            case XForm.RR or XForm.MR: v = ReadReg(op.Src, size); return true;
            case XForm.RI or XForm.MI or XForm.I: v = (ulong)op.Imm & Mask(size); return true;
            default: return Load(Ea(ref op, next), size, out v);
        }
    }

    /// <summary>Reads the destination (first operand) of a generic form; ea is its address when in memory.
    /// A destination that will be written back is read with write permission (see <see cref="Load"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Dest(ref XOp op, ulong next, out ulong v, out ulong ea, bool readOnly = false)
    {
        if (op.Form is XForm.MR or XForm.MI or XForm.M)
        {
            ea = Ea(ref op, next);
            return Load(ea, op.Size, out v, readOnly ? Access.Read : Access.Write);
        }
        ea = 0;
        v = ReadReg(op.Dst, op.Size);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DestIsMemory(ref XOp op) => op.Form is XForm.MR or XForm.MI or XForm.M;

    /// <summary>Writes the destination back: memory may fault (then nothing changed), a register cannot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WriteDest(ref XOp op, ulong ea, ulong v)
    {
        if (DestIsMemory(ref op)) return Store(ea, op.Size, v);
        WriteReg(op.Dst, op.Size, v);
        return true;
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// bt bts btr btc; bsf bsr tzcnt lzcnt popcnt
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Bt(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitTest(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Bt);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Bts(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitTest(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Bts);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Btr(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitTest(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Btr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Btc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitTest(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Btc);

    /// <summary>CF = the bit. A register bit offset into memory addresses a bit string (signed, so it can reach
    /// below the operand); an immediate offset stays inside the operand. The other flags stay as they were
    /// (<see cref="LazyFlags.ReplaceCarry"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BitTest(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, XCode code)
    {
        long offset = BitOffset(form, size, imm, form is XForm.RR or XForm.MR ? Get(ref r, src, size) : 0);
        ulong ea = 0, a;
        if (form is XForm.MR or XForm.MI or XForm.M)
        {
            ea = BitAddress(Ea(ref r, next, bas, index, scale, addr32, disp), offset, size);
            if (!cpu.Load(ea, size, out a, code == XCode.Bt ? Access.Read : Access.Write)) return false;
        }
        else a = Get(ref r, dst, size);
        if (code != XCode.Bt)
        {
            ulong v = BitResult(code, a, offset, size);
            if (form is not (XForm.MR or XForm.MI or XForm.M)) Set(ref r, dst, size, v);
            else if (!cpu.Store(ea, size, v)) return false;
        }
        f.ReplaceCarry(BitOf(a, offset, size));
        return true;
    }

    /// <summary>The bit offset: an immediate masked to the width, a register signed (the translator calls this
    /// and the next three too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long BitOffset(XForm form, int size, long imm, ulong src) =>
        form is XForm.RI or XForm.MI ? imm & (size * 8 - 1) : LazyFlags.SignExtend(src, size);

    /// <summary>The address of the operand-sized word of a bit string at ea that holds bit offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong BitAddress(ulong ea, long offset, int size) =>
        ea + (ulong)((offset >> BitOperations.Log2((uint)size * 8)) * size);

    /// <summary>The tested bit of a (the offset masked to the width), 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong BitOf(ulong a, long offset, int size) => (a >> (int)(offset & (size * 8 - 1))) & 1;

    /// <summary>bts, btr, btc: the operand with the bit set, cleared or flipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong BitResult(XCode code, ulong a, long offset, int size)
    {
        ulong bit = 1UL << (int)(offset & (size * 8 - 1));
        return code switch
        {
            XCode.Bts => a | bit,
            XCode.Btr => a & ~bit,
            XCode.Btc => a ^ bit,
            _ => a,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Bsf(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitScan(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Bsf);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Bsr(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitScan(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Bsr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Tzcnt(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitScan(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Tzcnt);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Lzcnt(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitScan(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Lzcnt);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Popcnt(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => BitScan(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Popcnt);

    /// <summary>bsf bsr (zero source: ZF set, destination unchanged) tzcnt lzcnt (CF = source was zero,
    /// ZF = result is zero) popcnt (ZF = source was zero, the rest cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BitScan(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, XCode code)
    {
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong s)) return false;
        ulong v = ScanValue(code, s, size);
        if (ScanWrites(code, s)) Set(ref r, dst, size, v);
        f.SetAll((f.Flags & ~Fl.Status) | ScanFlags(code, s, v, size));
        return true;
    }

    /// <summary>What bsf ... popcnt computes from source s (the translator calls this and the next two too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ScanValue(XCode code, ulong s, int size) => code switch
    {
        XCode.Bsf => s == 0 ? 0 : (ulong)BitOperations.TrailingZeroCount(s),
        XCode.Bsr => s == 0 ? 0 : (ulong)(63 - BitOperations.LeadingZeroCount(s)),
        XCode.Tzcnt => s == 0 ? (ulong)size * 8 : (ulong)BitOperations.TrailingZeroCount(s),
        XCode.Lzcnt => (ulong)(BitOperations.LeadingZeroCount(s) - (64 - size * 8)),
        _ => (ulong)BitOperations.PopCount(s),
    };

    /// <summary>Whether the destination is written: bsf and bsr leave it as it was for a zero source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ScanWrites(XCode code, ulong s) => s != 0 || code is not (XCode.Bsf or XCode.Bsr);

    /// <summary>The status flags bsf ... popcnt leave (the SDM's undefined ones fixed as documented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ScanFlags(XCode code, ulong s, ulong v, int size) => code switch
    {
        XCode.Bsf or XCode.Bsr => s == 0 ? Fl.ZF : LazyFlags.ResultBits(v, size) & ~Fl.ZF,
        XCode.Tzcnt or XCode.Lzcnt => (s == 0 ? Fl.CF : 0) | (v == 0 ? Fl.ZF : 0),
        _ => s == 0 ? Fl.ZF : 0,
    };
}

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
    /// below the operand); an immediate offset stays inside the operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BitTest(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, XCode code)
    {
        int bits = size * 8;
        long offset = form is XForm.RI or XForm.MI ? imm & (bits - 1) : LazyFlags.SignExtend(Get(ref r, src, size), size);
        ulong ea = 0, a;
        if (form is XForm.MR or XForm.MI or XForm.M)
        {
            ea = Ea(ref r, next, bas, index, scale, addr32, disp) + (ulong)((offset >> BitOperations.Log2((uint)bits)) * size);
            if (!cpu.Load(ea, size, out a, code == XCode.Bt ? Access.Read : Access.Write)) return false;
        }
        else a = Get(ref r, dst, size);
        int bit = (int)(offset & (bits - 1));
        ulong cf = (a >> bit) & 1, v = code switch
        {
            XCode.Bts => a | (1UL << bit),
            XCode.Btr => a & ~(1UL << bit),
            XCode.Btc => a ^ (1UL << bit),
            _ => a,
        };
        if (code != XCode.Bt)
        {
            if (form is not (XForm.MR or XForm.MI or XForm.M)) Set(ref r, dst, size, v);
            else if (!cpu.Store(ea, size, v)) return false;
        }
        f.SetAll((f.Full() & ~Fl.CF) | cf);
        return true;
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
        int bits = size * 8;
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong s)) return false;
        ulong flags = f.Full() & ~Fl.Status, v;
        switch (code)
        {
            case XCode.Bsf or XCode.Bsr:
                if (s == 0)
                {
                    f.SetAll(flags | Fl.ZF);
                    return true;
                }
                v = code == XCode.Bsf ? (ulong)BitOperations.TrailingZeroCount(s) : (ulong)(63 - BitOperations.LeadingZeroCount(s));
                f.SetAll(flags | LazyFlags.ResultBits(v, size) & ~Fl.ZF);
                break;
            case XCode.Tzcnt or XCode.Lzcnt:
                v = s == 0 ? (ulong)bits
                    : code == XCode.Tzcnt ? (ulong)BitOperations.TrailingZeroCount(s) : (ulong)(BitOperations.LeadingZeroCount(s) - (64 - bits));
                f.SetAll(flags | (s == 0 ? Fl.CF : 0) | (v == 0 ? Fl.ZF : 0));
                break;
            default:
                v = (ulong)BitOperations.PopCount(s);
                f.SetAll(flags | (s == 0 ? Fl.ZF : 0));
                break;
        }
        Set(ref r, dst, size, v);
        return true;
    }
}

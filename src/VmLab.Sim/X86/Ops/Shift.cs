using System.Numerics;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// rol ror rcl rcr shl shr sar (SDM vol. 2B): the count is masked to 5 bits (6 for 64-bit); a masked count of
// 0 changes no flag; OF is defined for count 1 and computed the same way otherwise. shld shrd.
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Rol(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Rol);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Ror(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Ror);
    internal static bool Rcl(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Rcl);
    internal static bool Rcr(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Rcr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Shl(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Shl);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Shr(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Shr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Sar(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Shift(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Sar);

    /// <summary>The masked count: cl, or the immediate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Count(ref GeneralRegisters r, int size, long imm, int aux) =>
        (int)((XAux.CountInCl(aux) ? R(ref r, 1) : (ulong)imm) & (size == 8 ? 63UL : 31UL));

    /// <summary>shl/shr/sar by a masked count of 1 to 31 (63 at 64 bits; at 8 and 16 bits it can pass the width):
    /// the result, and the lazy flags record it leaves, (kind, size, a, count, result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ShiftValue(XCode code, ulong a, int count, int size, out byte kind)
    {
        kind = ShiftKind(code);
        return ShiftResult(code, a, count, size);
    }

    internal static byte ShiftKind(XCode code) => code == XCode.Shl ? LazyFlags.Shl : code == XCode.Shr ? LazyFlags.Shr : LazyFlags.Sar;

    /// <summary>The result of <see cref="ShiftValue"/> (the translator calls this too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ShiftResult(XCode code, ulong a, int count, int size) => code switch
    {
        XCode.Shl => (a << count) & LazyFlags.Mask(size),
        XCode.Shr => a >> count,
        _ => (ulong)(LazyFlags.SignExtend(a, size) >> count) & LazyFlags.Mask(size),
    };

    /// <summary>rol/ror by a count of 1 to 63 (masked, not 0): the result (the translator calls this and the next
    /// one too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Rotate(XCode code, ulong a, int count, int size)
    {
        // 32 and 64 bits through BitOperations, which the JIT makes one rol or ror: the shift-or form below, on a
        // 32-bit value held in a ulong, was two shifts, an or and a zero extension (SHA-256's rounds are a third
        // rotates)
        if (size == 4)
            return code == XCode.Rol ? BitOperations.RotateLeft((uint)a, count) : BitOperations.RotateRight((uint)a, count);
        if (size == 8)
            return code == XCode.Rol ? BitOperations.RotateLeft(a, count) : BitOperations.RotateRight(a, count);
        int bits = size * 8, c = count % bits;
        if (c == 0) return a;
        ulong m = LazyFlags.Mask(size);
        return code == XCode.Rol ? ((a << c) | (a >> (bits - c))) & m : ((a >> c) | (a << (bits - c))) & m;
    }

    /// <summary>RFLAGS after a rotate that left v: CF and OF from the result, the rest as they were.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong RotateFlags(XCode code, ulong flags, ulong v, int size)
    {
        ulong sign = LazyFlags.SignBit(size), cf, of;
        if (code == XCode.Rol)
        {
            cf = v & 1;
            of = ((v & sign) != 0 ? 1UL : 0) ^ cf;
        }
        else
        {
            cf = (v & sign) != 0 ? 1UL : 0;
            of = cf ^ ((v & (sign >> 1)) != 0 ? 1UL : 0);
        }
        return (flags & ~(Fl.CF | Fl.OF)) | (cf != 0 ? Fl.CF : 0) | (of != 0 ? Fl.OF : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Shift(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, XCode code)
    {
        int bits = size * 8, count = Count(ref r, size, imm, aux);
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        if (count == 0)
            return WriteDest(cpu, ref r, form, size, dst, ea, a);   // still a write: memory is stored, a 32-bit register zero-extended
        ulong m = LazyFlags.Mask(size), sign = LazyFlags.SignBit(size), v, cf, of;
        if (code is XCode.Shl or XCode.Shr or XCode.Sar)
        {
            // the lazy flags work CF and OF out later
            v = ShiftValue(code, a, count, size, out byte kind);
            if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
            f.Set(kind, size, a, (ulong)count, v);
            return true;
        }
        switch (code)
        {
            case XCode.Rol or XCode.Ror:
                v = Rotate(code, a, count, size);
                if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
                f.SetAll(RotateFlags(code, f.Full(), v, size));
                return true;
            case XCode.Rcl:   // rotate through CF, a (bits + 1)-bit rotation
            {
                int c = size <= 2 ? count % (bits + 1) : count;
                v = a;
                cf = f.Carry();
                for (int k = 0; k < c; k++)
                {
                    ulong top = (v & sign) != 0 ? 1UL : 0;
                    v = ((v << 1) | cf) & m;
                    cf = top;
                }
                of = ((v & sign) != 0 ? 1UL : 0) ^ cf;
                return Commit(cpu, ref r, ref f, form, size, dst, ea, v, Fl.CF | Fl.OF, cf, of);
            }
            default:   // rcr
            {
                int c = size <= 2 ? count % (bits + 1) : count;
                v = a;
                cf = f.Carry();
                of = ((a & sign) != 0 ? 1UL : 0) ^ cf;
                for (int k = 0; k < c; k++)
                {
                    ulong low = v & 1;
                    v = (v >> 1) | (cf != 0 ? sign : 0);
                    cf = low;
                }
                return Commit(cpu, ref r, ref f, form, size, dst, ea, v, Fl.CF | Fl.OF, cf, of);
            }
        }
    }

    /// <summary>Writes the result, then the flags in mask (CF, OF, and the result bits given).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Commit(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, XForm form, int size, int dst,
        ulong ea, ulong v, ulong mask, ulong cf, ulong of, ulong resultBits = 0)
    {
        if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
        ulong bits = resultBits | (cf != 0 ? Fl.CF : 0) | (of != 0 ? Fl.OF : 0);
        f.SetAll((f.Full() & ~mask) | (bits & mask));
        return true;
    }

    internal static bool Shld(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => ShiftDouble(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, true);
    internal static bool Shrd(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => ShiftDouble(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, false);

    /// <summary>shld/shrd: shift the destination, filling from the source register.</summary>
    private static bool ShiftDouble(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, bool left)
    {
        int count = Count(ref r, size, imm, aux);
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        if (count == 0)
            return WriteDest(cpu, ref r, form, size, dst, ea, a);
        var (v, cf) = Through(left, size, a, Get(ref r, src, size), count, LazyFlags.Mask(size));
        if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
        f.SetAll((f.Flags & ~Fl.Status) | ShiftDoubleFlags(a, v, cf, size));
        return true;
    }

    /// <summary>The status flags after shld/shrd turned a into v with carry cf: OF when the sign changed (the
    /// translator calls this and <see cref="Through"/> too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ShiftDoubleFlags(ulong a, ulong v, ulong cf, int size) =>
        LazyFlags.ResultBits(v, size) | (cf != 0 ? Fl.CF : 0) | (((v ^ a) & LazyFlags.SignBit(size)) != 0 ? Fl.OF : 0);

    /// <summary>The shifted value and CF, from the pattern dest:src (shld) or src:dest (shrd), for a masked count of
    /// 1 to 31 or 63. At 32 and 64 bits two host shifts (the translator calls this with size a constant: inlined, the
    /// rest folds away); at 16 bits, <see cref="ThroughNarrow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (ulong V, ulong Cf) Through(bool left, int size, ulong a, ulong b, int count, ulong m)
    {
        if (size == 2) return ThroughNarrow(left, a, b, count, m);
        int bits = size * 8;   // count < bits: the bits that come in from b are b's top (shld) or low (shrd) ones
        return left
            ? (((a << count) | ((b & m) >> (bits - count))) & m, (a >> (bits - count)) & 1)
            : (((a & m) >> count | (b << (bits - count))) & m, (a >> (count - 1)) & 1);
    }

    /// <summary>Through at 16 bits, where counts above 16 shift through a 32-bit (then 48-bit) pattern
    /// dest:src:dest, as Intel does. UInt128 keeps a method from being precompiled, so it lives here, compiled
    /// optimised at its first call, and not in the instruction's body.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static (ulong V, ulong Cf) ThroughNarrow(bool left, ulong a, ulong b, int count, ulong m)
    {
        UInt128 pattern = left ? ((UInt128)a << 32) | ((UInt128)b << 16) | a : ((UInt128)a << 32) | ((UInt128)b << 16) | b;
        return left
            ? ((ulong)(pattern >> (48 - 16 - count)) & m, (ulong)(pattern >> (48 - count)) & 1)
            : ((ulong)(pattern >> count) & m, (ulong)(pattern >> (count - 1)) & 1);
    }
}

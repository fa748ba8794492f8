using System.Numerics;
using System.Runtime.CompilerServices;

namespace VmLab.Sim.X86;

/// <summary>RFLAGS bits.</summary>
internal static class Fl
{
    public const ulong CF = 1, Fixed = 2, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200,
        DF = 0x400, OF = 0x800, AC = 0x40000, ID = 0x200000;
    public const ulong Status = CF | PF | AF | ZF | SF | OF;
    /// <summary>What user code can change with popf (TF is left out: single-stepping is not modelled).</summary>
    public const ulong UserWritable = Status | DF | AC | ID;
}

/// <summary>
/// The arithmetic flags, kept lazily: an ALU instruction records its operands and result, and CF PF AF ZF SF
/// OF are worked out only when something reads them (a jcc after cmp reads only what it needs). Add-like and
/// sub-like results use the carry/borrow formulas that stay right with a carry in, so adc/sbb are lazy too.
/// A block compiled to IL keeps this struct in a local, and the JIT drops every record no one reads, as long
/// as nothing takes the local's address: so everything here that is not inlined takes the struct by value.
/// </summary>
internal struct LazyFlags
{
    public const byte Eager = 0, Add = 1, Sub = 2, Logic = 3, Inc = 4, Dec = 5, Adc = 6, Sbb = 7, Mul = 8, Shl = 9,
        Shr = 10, Sar = 11;

    /// <summary>Added to a kind (Eager included) by bt, bts, btr and btc: CF is <see cref="Cf"/>, every other flag
    /// the kind's. The bit tests replace CF and keep the rest, so the record stays as it was instead of being
    /// worked out in full: a bt followed by jb is a shift, an and and a test of Cf.</summary>
    public const byte CarrySet = 0x80;

    public byte Op;        // Eager: the status bits are in Flags
    public byte Size;      // operand bytes
    public ulong A, B, R;  // operands and result, masked to Size (shifts: B = the masked count, 1 to 31 or 63)
    public ulong Cf;       // inc/dec: the carry they keep; mul: 1 when the product did not fit (CF; B = OF, the
                           // same, kept apart so that a bit test can replace CF alone); any kind + CarrySet: CF
    public ulong Flags;    // all of RFLAGS; the status bits are current only when Op == Eager

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SignBit(int size) => 1UL << (size * 8 - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long SignExtend(ulong v, int size) => size == 8 ? (long)v : (long)(v << (64 - size * 8)) >> (64 - size * 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(byte op, int size, ulong a, ulong b, ulong r)
    {
        Op = op;
        Size = (byte)size;
        A = a;
        B = b;
        R = r;
    }

    /// <summary>Full RFLAGS with the status bits computed (inline after a logic instruction, the usual case before
    /// a rotate or a bit test; the other records through the full computation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Full() => FullOf(Op, Size, A, B, R, Cf, Flags);

    /// <summary><see cref="Full"/> of a record held field by field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong FullOf(byte op, byte size, ulong a, ulong b, ulong r, ulong cf, ulong flags) =>
        op == Eager ? flags : op == Logic ? (flags & ~Fl.Status) | ResultBits(r, size) : Compute(Of(op, size, a, b, r, cf, flags));

    /// <summary>Sets all of RFLAGS at once (the status bits become eager).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetAll(ulong flags)
    {
        Flags = flags;
        Op = Eager;
    }

    /// <summary>The record after a bit test that found bit cf (0 or 1): CF replaced, the rest kept lazily.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReplaceCarry(ulong cf)
    {
        Op = WithCarrySet(Op);
        Cf = cf;
    }

    /// <summary>The kind a record has once a bit test replaced its CF (the translator's record too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte WithCarrySet(byte op) => (byte)(op | CarrySet);

    private static ulong Compute(LazyFlags f) => (f.Flags & ~Fl.Status) | StatusBits(f);

    private static ulong StatusBits(LazyFlags f)
    {
        if ((f.Op & CarrySet) != 0)
        {
            f.Op &= unchecked((byte)~CarrySet);
            ulong kept = f.Op == Eager ? f.Flags & Fl.Status : StatusBits(f);
            return (kept & ~Fl.CF) | f.Cf;
        }
        byte op = f.Op, size = f.Size;
        ulong a = f.A, b = f.B, r = f.R, sign = SignBit(size);
        ulong cf, of, af;
        switch (op)
        {
            case Add or Adc or Inc:
                cf = CarryOut(a, b, r, sign);
                of = (a ^ r) & (b ^ r) & sign;
                af = (a ^ b ^ r) & Fl.AF;
                break;
            case Sub or Sbb or Dec:
                cf = BorrowOut(a, b, r, sign);
                of = SubOverflow(a, b, r, sign);
                af = (a ^ b ^ r) & Fl.AF;
                break;
            case Mul:
                cf = f.Cf;
                of = f.B;
                af = 0;
                break;
            case Shl:   // at 8 and 16 bits the count can pass the width: every bit out, CF 0
                cf = (int)b <= size * 8 ? (a >> (size * 8 - (int)b)) & 1 : 0;
                of = ((r & sign) != 0 ? 1UL : 0) ^ cf;
                af = 0;
                break;
            case Shr:
                cf = (a >> ((int)b - 1)) & 1;
                of = a & sign;
                af = 0;
                break;
            case Sar:
                cf = (ulong)(SignExtend(a, size) >> ((int)b - 1)) & 1;
                of = af = 0;
                break;
            default:
                cf = of = af = 0;
                break;
        }
        ulong bits = af;
        if (op is Inc or Dec) bits |= f.Cf;
        else if (cf != 0) bits |= Fl.CF;
        if (of != 0) bits |= Fl.OF;
        return bits | ResultBits(r, size);
    }

    /// <summary>The carry out of the top bit (sign) of a + b (+ a carry in) = r: from the operands' and the result's
    /// top bits alone, whatever the carry in was (adc's as add's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong CarryOut(ulong a, ulong b, ulong r, ulong sign) => ((a & b) | ((a | b) & ~r)) & sign;

    /// <summary>The borrow out of the top bit of a - b (- a borrow in) = r, likewise (sbb's as sub's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BorrowOut(ulong a, ulong b, ulong r, ulong sign) => ((~a & b) | ((~a | b) & r)) & sign;

    /// <summary>The signed overflow of a - b (- a borrow in) = r: the operands' signs differ and the result's is b's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubOverflow(ulong a, ulong b, ulong r, ulong sign) => (a ^ b) & (a ^ r) & sign;

    /// <summary>ZF, SF and PF of a result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ResultBits(ulong r, int size)
    {
        ulong f = (BitOperations.PopCount((uint)(byte)r) & 1) == 0 ? Fl.PF : 0;
        if ((r & Mask(size)) == 0) f |= Fl.ZF;
        if ((r & SignBit(size)) != 0) f |= Fl.SF;
        return f;
    }

    /// <summary>CF as 0 or 1: worked out here for the common records (inc/dec after add, adc chains), the
    /// rest by the full computation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Carry() => CarryOf(Op, Size, A, B, R, Cf, Flags);

    /// <summary><see cref="Carry"/> of a record held field by field (the translator keeps each field in a local
    /// of its own, so that the JIT can keep them in registers and drop the ones no instruction reads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CarryOf(byte op, byte size, ulong a, ulong b, ulong r, ulong cf, ulong flags) => op switch
    {
        Logic => 0,
        Sub => a < b ? 1UL : 0,
        Add => r < a ? 1UL : 0,
        Inc or Dec or Mul or >= CarrySet => cf,
        Eager => flags & Fl.CF,
        Adc => CarryOut(a, b, r, SignBit(size)) != 0 ? 1UL : 0,   // a chain of adc or sbb, and jb after one
        Sbb => BorrowOut(a, b, r, SignBit(size)) != 0 ? 1UL : 0,
        _ => StatusBits(Of(op, size, a, b, r, cf, flags)) & Fl.CF,
    };

    /// <summary>Condition code 0-15 (o no b ae e ne be a s ns p np l ge le g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Cond(int cc) => CondOf(Op, Size, A, B, R, Cf, Flags, cc);

    /// <summary>Condition code cc of a record held field by field: the cmp/sub and logic cases straight from
    /// operands, the rest from the computed flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CondOf(byte op, byte size, ulong a, ulong b, ulong res, ulong cf, ulong flags, int cc)
    {
        if (op == Sub) return CondAfterSub(size, a, b, res, flags, cc);
        if (op == Logic) return CondAfterLogic(size, res, flags, cc);
        if (op >= CarrySet && (cc >> 1) == 1) return (cf != 0) ^ ((cc & 1) != 0);   // b, ae after a bit test
        if (op is Adc or Sbb && (cc >> 1) is 1 or 3)
        {
            // b, ae, be, a after adc or sbb (multi-word compares and long division): the carry out and the result
            bool carry = CarryOf(op, size, a, b, res, cf, flags) != 0;
            return ((cc >> 1) == 1 ? carry : carry || res == 0) ^ ((cc & 1) != 0);
        }
        if ((op & ~CarrySet) != Eager && (cc >> 1) is 2 or 4)
            return ((cc >> 1) == 2 ? res == 0 : (res & SignBit(size)) != 0) ^ ((cc & 1) != 0);   // ZF and SF: the result alone
        return FromFlags(Of(op, size, a, b, res, cf, flags), cc);
    }

    /// <summary><see cref="CondOf"/> of a Sub record (cmp, sub, neg; the translator calls it directly when it
    /// knows which instruction set the flags).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CondAfterSub(byte size, ulong a, ulong b, ulong res, ulong flags, int cc)
    {
        // each case one comparison, negated by the condition's low bit: with cc a constant, one host compare
        // and branch
        bool not = (cc & 1) != 0;
        long sa = SignExtend(a, size), sb = SignExtend(b, size);
        return (cc >> 1) switch
        {
            0 => (SubOverflow(a, b, res, SignBit(size)) != 0) ^ not,
            1 => not ? a >= b : a < b,
            2 => not ? a != b : a == b,
            3 => not ? a > b : a <= b,
            4 => ((res & SignBit(size)) != 0) ^ not,   // s, ns: gcc -O0 tests x >= 0 as cmp $0 and jns
            6 => not ? sa >= sb : sa < sb,
            7 => not ? sa > sb : sa <= sb,
            _ => FromFlags(Of(Sub, size, a, b, res, 0, flags), cc),
        };
    }

    /// <summary><see cref="CondOf"/> of a Logic record (and, or, xor, test).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CondAfterLogic(byte size, ulong res, ulong flags, int cc)
    {
        bool not = (cc & 1) != 0;
        ulong sign = res & SignBit(size);
        return (cc >> 1) switch
        {
            0 or 1 => not,   // OF and CF are clear
            2 or 3 => not ? res != 0 : res == 0,
            4 or 6 => not ? sign == 0 : sign != 0,
            7 => not ? res != 0 && sign == 0 : res == 0 || sign != 0,
            _ => FromFlags(Of(Logic, size, 0, 0, res, 0, flags), cc),
        };
    }

    private static LazyFlags Of(byte op, byte size, ulong a, ulong b, ulong r, ulong cf, ulong flags) =>
        new() { Op = op, Size = size, A = a, B = b, R = r, Cf = cf, Flags = flags };

    private static bool FromFlags(LazyFlags flags, int cc)
    {
        ulong f = flags.Full();
        bool sfNeOf = ((f & Fl.SF) != 0) != ((f & Fl.OF) != 0);
        bool r = (cc >> 1) switch
        {
            0 => (f & Fl.OF) != 0,
            1 => (f & Fl.CF) != 0,
            2 => (f & Fl.ZF) != 0,
            3 => (f & (Fl.CF | Fl.ZF)) != 0,
            4 => (f & Fl.SF) != 0,
            5 => (f & Fl.PF) != 0,
            6 => sfNeOf,
            _ => sfNeOf || (f & Fl.ZF) != 0,
        };
        return r ^ ((cc & 1) != 0);
    }
}

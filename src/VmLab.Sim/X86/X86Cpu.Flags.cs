using System.Numerics;
using System.Runtime.CompilerServices;

namespace VmLab.Sim.X86;

/// <summary>
/// The arithmetic flags, kept lazily: an ALU instruction records its operands and result, and CF PF AF ZF SF
/// OF are worked out only when something reads them (a jcc after cmp reads only what it needs). Add-like and
/// sub-like results use the carry/borrow formulas that stay right with a carry in, so adc/sbb are lazy too.
/// </summary>
internal struct LazyFlags
{
    public const byte Eager = 0, Add = 1, Sub = 2, Logic = 3, Inc = 4, Dec = 5, Adc = 6, Sbb = 7, Mul = 8, Shl = 9,
        Shr = 10, Sar = 11;

    public byte Op;        // Eager: the status bits are in Flags
    public byte Size;      // operand bytes
    public ulong A, B, R;  // operands and result, masked to Size (shifts: B = the count, 1 to width - 1)
    public ulong Cf;       // inc/dec: the carry they keep; mul: 1 when the product did not fit (CF = OF)
    public ulong Flags;    // all of RFLAGS; the status bits are current only when Op == Eager
}

public sealed partial class X86Cpu<TBus>
{
    private LazyFlags _f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SignBit(int size) => 1UL << (size * 8 - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SignExtend(ulong v, int size) => size == 8 ? (long)v : (long)(v << (64 - size * 8)) >> (64 - size * 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetLazy(byte op, int size, ulong a, ulong b, ulong r)
    {
        _f.Op = op;
        _f.Size = (byte)size;
        _f.A = a;
        _f.B = b;
        _f.R = r;
    }

    /// <summary>Full RFLAGS with the status bits computed.</summary>
    private ulong Flags()
    {
        if (_f.Op != LazyFlags.Eager)
        {
            _f.Flags = (_f.Flags & ~Fl.Status) | StatusBits();
            _f.Op = LazyFlags.Eager;
        }
        return _f.Flags;
    }

    /// <summary>Replaces the status bits in mask with those in bits (the others keep their values).</summary>
    private void SetStatus(ulong mask, ulong bits)
    {
        ulong f = Flags();
        _f.Flags = (f & ~mask) | (bits & mask);
    }

    private ulong StatusBits()
    {
        ulong a = _f.A, b = _f.B, r = _f.R, sign = SignBit(_f.Size);
        ulong cf, of, af;
        switch (_f.Op)
        {
            case LazyFlags.Add or LazyFlags.Adc or LazyFlags.Inc:
                cf = ((a & b) | ((a | b) & ~r)) & sign;
                of = (a ^ r) & (b ^ r) & sign;
                af = (a ^ b ^ r) & Fl.AF;
                break;
            case LazyFlags.Sub or LazyFlags.Sbb or LazyFlags.Dec:
                cf = ((~a & b) | ((~a | b) & r)) & sign;
                of = (a ^ b) & (a ^ r) & sign;
                af = (a ^ b ^ r) & Fl.AF;
                break;
            case LazyFlags.Mul:
                cf = of = _f.Cf;
                af = 0;
                break;
            case LazyFlags.Shl:
                cf = (a >> (_f.Size * 8 - (int)b)) & 1;
                of = ((r & sign) != 0 ? 1UL : 0) ^ cf;
                af = 0;
                break;
            case LazyFlags.Shr:
                cf = (a >> ((int)b - 1)) & 1;
                of = a & sign;
                af = 0;
                break;
            case LazyFlags.Sar:
                cf = (ulong)(SignExtend(a, _f.Size) >> ((int)b - 1)) & 1;
                of = af = 0;
                break;
            default:
                cf = of = af = 0;
                break;
        }
        ulong f = af;
        if (_f.Op is LazyFlags.Inc or LazyFlags.Dec) f |= _f.Cf;
        else if (cf != 0) f |= Fl.CF;
        if (of != 0) f |= Fl.OF;
        return f | ResultBits(r, _f.Size);
    }

    /// <summary>ZF, SF and PF of a result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ResultBits(ulong r, int size)
    {
        ulong f = (BitOperations.PopCount((uint)(byte)r) & 1) == 0 ? Fl.PF : 0;
        if ((r & Mask(size)) == 0) f |= Fl.ZF;
        if ((r & SignBit(size)) != 0) f |= Fl.SF;
        return f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Carry() => _f.Op switch
    {
        LazyFlags.Logic => 0,
        LazyFlags.Sub => _f.A < _f.B ? 1UL : 0,
        LazyFlags.Eager => _f.Flags & Fl.CF,
        _ => StatusBits() & Fl.CF,
    };

    /// <summary>Condition code 0-15 (o no b ae e ne be a s ns p np l ge le g): the cmp/sub and logic
    /// cases straight from operands, the rest from the computed flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Cond(int cc)
    {
        bool r;
        if (_f.Op == LazyFlags.Sub)
        {
            ulong a = _f.A, b = _f.B;
            int size = _f.Size;
            switch (cc >> 1)
            {
                case 1: r = a < b; break;
                case 2: r = a == b; break;
                case 3: r = a <= b; break;
                case 6: r = SignExtend(a, size) < SignExtend(b, size); break;
                case 7: r = SignExtend(a, size) <= SignExtend(b, size); break;
                default: return CondFromFlags(cc);
            }
        }
        else if (_f.Op == LazyFlags.Logic)
        {
            ulong v = _f.R;
            bool neg = (v & SignBit(_f.Size)) != 0;
            switch (cc >> 1)
            {
                case 0 or 1: r = false; break;
                case 2 or 3: r = v == 0; break;
                case 4 or 6: r = neg; break;
                case 7: r = v == 0 || neg; break;
                default: return CondFromFlags(cc);
            }
        }
        else if (_f.Op != LazyFlags.Eager && (cc >> 1) is 2 or 4)
            r = (cc >> 1) == 2 ? _f.R == 0 : (_f.R & SignBit(_f.Size)) != 0;   // ZF and SF come from the result alone
        else return CondFromFlags(cc);
        return r ^ ((cc & 1) != 0);
    }

    private bool CondFromFlags(int cc)
    {
        ulong f = Flags();
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

    /// <summary>The two-operand ALU: returns the result (masked to size) and records the flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Alu(AluOp op, ulong a, ulong b, int size)
    {
        ulong m = Mask(size);
        a &= m;
        b &= m;
        ulong r;
        switch (op)
        {
            case AluOp.Add: r = (a + b) & m; SetLazy(LazyFlags.Add, size, a, b, r); break;
            case AluOp.Sub or AluOp.Cmp: r = (a - b) & m; SetLazy(LazyFlags.Sub, size, a, b, r); break;
            case AluOp.And or AluOp.Test: r = a & b; SetLazy(LazyFlags.Logic, size, a, b, r); break;
            case AluOp.Or: r = a | b; SetLazy(LazyFlags.Logic, size, a, b, r); break;
            case AluOp.Xor: r = a ^ b; SetLazy(LazyFlags.Logic, size, a, b, r); break;
            case AluOp.Adc: r = (a + b + Carry()) & m; SetLazy(LazyFlags.Adc, size, a, b, r); break;
            default: r = (a - b - Carry()) & m; SetLazy(LazyFlags.Sbb, size, a, b, r); break;
        }
        return r;
    }
}

using System.Runtime.CompilerServices;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>
/// div and idiv at every width, as the SDM defines them: the double-width dividend hi:lo (ah:al, dx:ax, edx:eax,
/// rdx:rax) by the divisor, quotient and remainder truncated toward zero. #DE when the divisor is 0 or the
/// quotient does not fit the destination. No input throws: the one case .NET refuses (MinValue / -1) is decided
/// before any .NET division is made.
/// </summary>
internal static class XDivide
{
    /// <summary>FaultCause.None with q and r (masked to size) on success; otherwise the #DE cause, q = r = 0.</summary>
    public static FaultCause Divide(bool signed, int size, ulong hi, ulong lo, ulong divisor, out ulong q, out ulong r)
    {
        int bits = size * 8;
        ulong m = size == 8 ? ulong.MaxValue : (1UL << bits) - 1;
        hi &= m;
        lo &= m;
        divisor &= m;
        q = r = 0;
        if (divisor == 0) return FaultCause.DivideByZero;
        return signed ? Signed(size, hi, lo, divisor, m, out q, out r) : Unsigned(size, hi, lo, divisor, out q, out r);
    }

    private static FaultCause Unsigned(int size, ulong hi, ulong lo, ulong d, out ulong q, out ulong r)
    {
        q = r = 0;
        // the quotient fits in size bytes exactly when hi < d: hi:lo < d * 2^bits
        if (hi >= d) return FaultCause.QuotientOverflow;
        if (size < 8 || hi == 0)
        {
            ulong n = size < 8 ? (hi << (size * 8)) | lo : lo;
            (q, r) = Math.DivRem(n, d);   // one host division, not two
            return FaultCause.None;
        }
        (q, r) = Wide(hi, lo, d);
        return FaultCause.None;
    }

    // The 128-bit dividends live in methods of their own: a method that touches UInt128 or Int128 is not
    // precompiled (their layout belongs to the framework), and would make every division run as unoptimised
    // code until the runtime tiers it up. These two are compiled optimised at their first call instead.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static (ulong Q, ulong R) Wide(ulong hi, ulong lo, ulong d)
    {
        UInt128 wide = ((UInt128)hi << 64) | lo;
        return ((ulong)(wide / d), (ulong)(wide % d));
    }

    /// <summary>rdx:rax / d signed, for a dividend that does not fit a long: false when the quotient does not
    /// fit a long either.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool WideSigned(ulong hi, ulong lo, long dv, out long q, out long r)
    {
        Int128 n = (Int128)(((UInt128)hi << 64) | lo);
        Int128 wq = n / dv;
        q = r = 0;
        if (wq < long.MinValue || wq > long.MaxValue) return false;
        q = (long)wq;
        r = (long)(n % dv);
        return true;
    }

    private static FaultCause Signed(int size, ulong hi, ulong lo, ulong d, ulong m, out ulong q, out ulong r)
    {
        q = r = 0;
        int bits = size * 8;
        long dv = Extend(d, bits);
        long max = size == 8 ? long.MaxValue : (1L << (bits - 1)) - 1, min = -max - 1;
        long lq, lr;
        if (size < 8 || hi == (ulong)((long)lo >> 63))
        {
            // the dividend fits a long: 2*bits <= 64 bits, or rdx is only lo's sign
            long n = size == 8 ? (long)lo : Extend((hi << bits) | lo, bits * 2);
            if (dv == -1)
            {
                if (n == long.MinValue) return FaultCause.QuotientOverflow;
                lq = -n;
                lr = 0;
            }
            else (lq, lr) = Math.DivRem(n, dv);
        }
        else
        {
            if (dv == -1) return FaultCause.QuotientOverflow;   // |n| >= 2^63 here, so -n never fits
            if (!WideSigned(hi, lo, dv, out lq, out lr)) return FaultCause.QuotientOverflow;
        }
        if (lq < min || lq > max) return FaultCause.QuotientOverflow;
        q = (ulong)lq & m;
        r = (ulong)lr & m;
        return FaultCause.None;
    }

    private static long Extend(ulong v, int bits) => bits >= 64 ? (long)v : (long)(v << (64 - bits)) >> (64 - bits);
}

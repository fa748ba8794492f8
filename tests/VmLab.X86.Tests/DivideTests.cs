using System.Numerics;
using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>div and idiv at every width against arbitrary-precision arithmetic: the quotient and remainder
/// when they fit, and otherwise #DE naming the cause, with nothing changed and the run ending normally.</summary>
public class DivideTests
{
    public static TheoryData<int, bool> Widths => new() { { 1, false }, { 1, true }, { 2, false }, { 2, true },
        { 4, false }, { 4, true }, { 8, false }, { 8, true } };

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_most_negative_dividend_by_minus_one_and_a_zero_divisor_raise_divide_error_naming_the_cause(int size, bool signed)
    {
        var m = Machine(size, signed);
        ulong sign = 1UL << (size * 8 - 1);
        // signed: hi:lo = INT_MIN:0 of the double width (rdx:rax = 0x8000...:0 at 64 bits) by -1; unsigned: the
        // same dividend by 0x80...: hi >= divisor
        Assert.Equal(FaultCause.QuotientOverflow, Fault(m, size, hi: sign, lo: 0, divisor: signed ? ulong.MaxValue : sign));
        Assert.Equal(FaultCause.DivideByZero, Fault(m, size, hi: 0, lo: 12345, divisor: 0));
        Assert.Equal(FaultCause.DivideByZero, Fault(m, size, hi: sign, lo: 0, divisor: 0));
        // the single-width INT_MIN sign-extended (cqo; idiv -1) and an unsigned hi >= divisor overflow too
        Assert.Equal(FaultCause.QuotientOverflow, signed
            ? Fault(m, size, hi: ulong.MaxValue, lo: sign, divisor: ulong.MaxValue)
            : Fault(m, size, hi: 7, lo: 0, divisor: 7));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Quotient_remainder_and_divide_errors_match_exact_arithmetic_for_edge_and_random_operands(int size, bool signed)
    {
        var m = Machine(size, signed);
        var rng = new Random(2500 + size * 2 + (signed ? 1 : 0));
        ulong[] edges = [0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
            long.MaxValue, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 1, 10, 1_000_000_007];
        ulong Pick() => rng.Next(3) == 0 ? edges[rng.Next(edges.Length)] : (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        int faults = 0, fits = 0;
        for (int i = 0; i < 20_000; i++)
        {
            ulong hi = Pick(), lo = Pick(), d = Pick();
            if (rng.Next(4) == 0) hi = (ulong)((long)(lo << (64 - size * 8)) >> 63);   // hi = lo's sign, as cqo makes it
            var (q, r, cause) = Model(size, signed, hi, lo, d);
            Set(m, size, hi, lo, d);
            StopReason stop = m.Cpu.Step();
            if (cause != FaultCause.None)
            {
                faults++;
                Assert.Equal(StopReason.Fault, stop);
                Assert.Equal(FaultKind.DivideError, m.Cpu.LastFault.Kind);
                Assert.Equal(cause, m.Cpu.LastFault.Cause);
                Assert.Equal(X86Machine.CodeVa, m.Cpu.Rip);
                continue;
            }
            fits++;
            Assert.Equal(StopReason.Budget, stop);
            ulong mask = size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
            if (size == 1)
                Assert.Equal((r << 8) | q, m[Reg.Rax] & 0xFFFF);
            else
            {
                Assert.Equal(q, m[Reg.Rax] & mask);
                Assert.Equal(r, m[Reg.Rdx] & mask);
            }
        }
        Assert.True(faults > 1000 && fits > 1000, $"{faults} faults, {fits} results: the operands miss a case");
    }

    private static X86Machine Machine(int size, bool signed) => new(a =>
    {
        switch (size, signed)
        {
            case (1, false): a.div(cl); break;
            case (1, true): a.idiv(cl); break;
            case (2, false): a.div(cx); break;
            case (2, true): a.idiv(cx); break;
            case (4, false): a.div(ecx); break;
            case (4, true): a.idiv(ecx); break;
            case (8, false): a.div(rcx); break;
            default: a.idiv(rcx); break;
        }
    });

    private static void Set(X86Machine m, int size, ulong hi, ulong lo, ulong d)
    {
        int bits = size * 8;
        ulong mask = size == 8 ? ulong.MaxValue : (1UL << bits) - 1;
        m.Cpu.Rip = X86Machine.CodeVa;
        m[Reg.Rcx] = d;
        if (size == 1) m[Reg.Rax] = ((hi & 0xFF) << 8) | (lo & 0xFF) | 0xABCD_0000;
        else
        {
            m[Reg.Rax] = lo & mask;
            m[Reg.Rdx] = hi & mask;
        }
    }

    private static FaultCause Fault(X86Machine m, int size, ulong hi, ulong lo, ulong divisor)
    {
        Set(m, size, hi, lo, divisor);
        RegisterFile before = m.Cpu.Registers;
        ulong flags = m.Cpu.Rflags & 0xCD5;
        Assert.Equal(StopReason.Fault, m.Cpu.Step());
        Assert.Equal(flags, m.Cpu.Rflags & 0xCD5);
        before.Rflags = m.Cpu.Registers.Rflags;
        Assert.Equal(FaultKind.DivideError, m.Cpu.LastFault.Kind);
        Assert.Equal(X86Machine.CodeVa, m.Cpu.LastFault.Address);
        Assert.True(before.SameAs(m.Cpu.Registers), "a #DE changed a register");
        return m.Cpu.LastFault.Cause;
    }

    private static (ulong Q, ulong R, FaultCause Cause) Model(int size, bool signed, ulong hi, ulong lo, ulong d)
    {
        int bits = size * 8;
        BigInteger mod = BigInteger.One << bits;
        BigInteger mask = mod - 1;
        BigInteger n = ((hi & mask) << bits) | (lo & mask), dv = d & mask;
        if (signed)
        {
            if (n >= BigInteger.One << (2 * bits - 1)) n -= BigInteger.One << (2 * bits);
            if (dv >= BigInteger.One << (bits - 1)) dv -= mod;
        }
        if (dv.IsZero) return (0, 0, FaultCause.DivideByZero);
        BigInteger q = BigInteger.DivRem(n, dv, out BigInteger r);   // truncates toward zero, remainder takes n's sign
        BigInteger min = signed ? -(BigInteger.One << (bits - 1)) : 0, max = signed ? (BigInteger.One << (bits - 1)) - 1 : mask;
        if (q < min || q > max) return (0, 0, FaultCause.QuotientOverflow);
        return ((ulong)(q & mask), (ulong)(r & mask), FaultCause.None);
    }
}

using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// mul imul div idiv
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Mul(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Wide(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, false);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Imul1(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Wide(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, true);

    /// <summary>mul/imul r/m: rdx:rax (ax for bytes) = the accumulator times the operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Wide(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, bool signed)
    {
        if (!Source1(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong b)) return false;
        ulong a = Get(ref r, 0, size), lo = WideLow(size, a, b), hi = WideHigh(signed, size, a, b);
        bool overflow = WideOverflows(signed, size, lo, hi);
        if (size == 1) Set(ref r, 0, 2, (hi << 8) | lo);
        else
        {
            Set(ref r, 0, size, lo);
            Set(ref r, 2, size, hi);
        }
        MulFlags(ref f, lo, size, overflow);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Imul2(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong b)) return false;
        Set(ref r, dst, size, Product(ref f, size, Get(ref r, dst, size), b));
        return true;
    }

    /// <summary>imul r, r/m, imm (imm is the factor; the form is that of r, r/m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Imul3(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, 0, out ulong b)) return false;
        Set(ref r, dst, size, Product(ref f, size, (ulong)imm & LazyFlags.Mask(size), b));
        return true;
    }

    /// <summary>mul/imul r/m's low half (the translator calls this and the next two too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong WideLow(int size, ulong a, ulong b) => a * b & LazyFlags.Mask(size);

    /// <summary>mul/imul r/m's high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong WideHigh(bool signed, int size, ulong a, ulong b)
    {
        if (size == 8) return signed ? (ulong)Math.BigMul((long)a, (long)b, out _) : Math.BigMul(a, b, out _);
        ulong full = signed ? (ulong)(LazyFlags.SignExtend(a, size) * LazyFlags.SignExtend(b, size)) : a * b;
        return (full >> (size * 8)) & LazyFlags.Mask(size);
    }

    /// <summary>Whether the product needs its high half (CF = OF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool WideOverflows(bool signed, int size, ulong lo, ulong hi) =>
        signed ? hi != (LazyFlags.SignExtend(lo, size) < 0 ? LazyFlags.Mask(size) : 0) : hi != 0;

    /// <summary>imul's truncated signed product (for the destination register), with its flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Product(ref LazyFlags f, int size, ulong a, ulong b)
    {
        ulong lo = ProductLow(size, a, b);
        MulFlags(ref f, lo, size, ProductOverflows(size, a, b));
        return lo;
    }

    /// <summary>imul's product truncated to size (the translator calls this and the next one too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ProductLow(int size, ulong a, ulong b) =>
        size == 8 ? a * b : (ulong)(LazyFlags.SignExtend(a, size) * LazyFlags.SignExtend(b, size)) & LazyFlags.Mask(size);

    /// <summary>Whether imul's signed product does not fit size (CF = OF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ProductOverflows(int size, ulong a, ulong b)
    {
        if (size == 8)
        {
            long hi = Math.BigMul((long)a, (long)b, out long l);
            return hi != (l >> 63);
        }
        long full = LazyFlags.SignExtend(a, size) * LazyFlags.SignExtend(b, size);
        return full != LazyFlags.SignExtend((ulong)full & LazyFlags.Mask(size), size);
    }

    // CF = OF = the product did not fit (Cf and B); SF ZF PF are undefined by the SDM and follow the low half here, AF is 0
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulFlags(ref LazyFlags f, ulong lo, int size, bool overflow)
    {
        f.Cf = overflow ? 1UL : 0;
        f.Set(LazyFlags.Mul, size, 0, f.Cf, lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Div(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Divide(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, false);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Idiv(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Divide(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, true);

    /// <summary>div/idiv: #DE (divide by zero, or quotient overflow) changes nothing, flags included (they are
    /// undefined after a division and left as they were).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Divide(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, bool signed)
    {
        if (!Source1(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong d)) return false;
        ulong lo = size == 1 ? Get(ref r, 0, 2) & 0xFF : Get(ref r, 0, size);
        ulong hi = size == 1 ? (Get(ref r, 0, 2) >> 8) & 0xFF : Get(ref r, 2, size);
        if (!DivideValues(cpu, signed, size, hi, lo, d, next - (ulong)XAux.Len(aux))) return false;
        ulong q = cpu.Quotient, rem = cpu.Remainder;
        if (size == 1) Set(ref r, 0, 2, (rem << 8) | q);
        else
        {
            Set(ref r, 0, size, q);
            Set(ref r, 2, size, rem);
        }
        return true;
    }

    /// <summary>div/idiv of hi:lo by d at size, as values: the quotient and remainder (masked to size) in the CPU's
    /// Quotient and Remainder; false, with #DE at rip recorded and nothing else changed, when d is 0 or the quotient
    /// does not fit. The interpreter's Divide and the translator's div and idiv both come here.</summary>
    internal static bool DivideValues(X86Cpu<TBus> cpu, bool signed, int size, ulong hi, ulong lo, ulong d, ulong rip)
    {
        FaultCause cause = XDivide.Divide(signed, size, hi, lo, d, out cpu.Quotient, out cpu.Remainder);
        return cause == FaultCause.None || cpu.Fail(MemoryFault.Divide(rip, cause));
    }
}

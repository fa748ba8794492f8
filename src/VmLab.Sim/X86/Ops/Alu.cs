using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// add or adc sbb and sub xor cmp test; not neg inc dec
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Add(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Add);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Or(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Or);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Adc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Adc);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Sbb(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Sbb);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool And(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.And);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Sub(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Sub);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Xor(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Xor);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Cmp(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Cmp);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Test(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Binary(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, XCode.Test);

    /// <summary>A two-operand ALU instruction: cmp and test only set the flags. The flags are recorded after the
    /// destination is written, so a faulting write leaves them as they were.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Binary(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, XCode code)
    {
        // code and form are constants in a translated block: written so that the JIT drops the other cases
        // while it inlines (a local derived from them would hide that until later)
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea, code is XCode.Cmp or XCode.Test)
            || !Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong b))
            return false;
        ulong v = Alu(f, code, a, b, size, out byte kind);
        if (code is not (XCode.Cmp or XCode.Test) && !WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
        f.Set(kind, size, a & LazyFlags.Mask(size), b & LazyFlags.Mask(size), v);
        return true;
    }

    /// <summary>The two-operand ALU on values: the result (masked to size) and the kind of flags record it
    /// leaves (with a and b masked, the record is (kind, size, a, b, result)). adc and sbb read CF from flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Alu(in LazyFlags flags, XCode code, ulong a, ulong b, int size, out byte kind)
    {
        kind = AluKind(code);
        return AluValue(code, a, b, size, code is XCode.Adc or XCode.Sbb ? flags.Carry() : 0);
    }

    /// <summary>The flags record a two-operand ALU instruction leaves.</summary>
    internal static byte AluKind(XCode code) => code switch
    {
        XCode.Add => LazyFlags.Add,
        XCode.Sub or XCode.Cmp => LazyFlags.Sub,
        XCode.And or XCode.Test or XCode.Or or XCode.Xor => LazyFlags.Logic,
        XCode.Adc => LazyFlags.Adc,
        _ => LazyFlags.Sbb,
    };

    /// <summary>The two-operand ALU's result, masked to size (carry: CF, read by adc and sbb only; the translator
    /// calls this too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AluValue(XCode code, ulong a, ulong b, int size, ulong carry)
    {
        ulong m = LazyFlags.Mask(size);
        a &= m;
        b &= m;
        switch (code)
        {
            case XCode.Add: return (a + b) & m;
            case XCode.Sub or XCode.Cmp: return (a - b) & m;
            case XCode.And or XCode.Test: return a & b;
            case XCode.Or: return a | b;
            case XCode.Xor: return a ^ b;
            case XCode.Adc: return (a + b + carry) & m;
            default: return (a - b - carry) & m;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Not(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        return WriteDest(cpu, ref r, form, size, dst, ea, ~a & LazyFlags.Mask(size));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Neg(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        ulong v = (0 - a) & LazyFlags.Mask(size);
        if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
        f.Set(LazyFlags.Sub, size, 0, a, v);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Inc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Step(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, 1);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Dec(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => Step(cpu, ref r, ref f, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux, -1);

    /// <summary>inc and dec: CF is kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Step(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux, int delta)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        ulong v = (a + (ulong)(long)delta) & LazyFlags.Mask(size);
        if (!WriteDest(cpu, ref r, form, size, dst, ea, v)) return false;
        StepFlags(ref f, size, a, v, delta);
        return true;
    }

    /// <summary>inc/dec's flags record (CF kept), once the result is written (the translator calls this too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StepFlags(ref LazyFlags f, int size, ulong a, ulong v, int delta)
    {
        f.Cf = f.Carry();
        f.Set(delta > 0 ? LazyFlags.Inc : LazyFlags.Dec, size, a, 1, v);
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// mov movzx movsx lea xchg bswap cmovcc setcc; cbw cwde cdqe; cwd cdq cqo
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Mov(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong v)) return false;
        return WriteDest(cpu, ref r, form, size, dst, form is XForm.MR or XForm.MI or XForm.M ? Ea(ref r, next, bas, index, scale, addr32, disp) : 0, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Movzx(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source(cpu, ref r, next, form, XAux.SrcSize(aux), src, bas, index, scale, addr32, disp, imm, out ulong v)) return false;
        Set(ref r, dst, size, v);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Movsx(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        int from = XAux.SrcSize(aux);
        if (!Source(cpu, ref r, next, form, from, src, bas, index, scale, addr32, disp, imm, out ulong v)) return false;
        Set(ref r, dst, size, (ulong)LazyFlags.SignExtend(v, from));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Lea(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        Set(ref r, dst, size, Ea(ref r, next, bas, index, scale, addr32, disp));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Xchg(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        ulong b = Get(ref r, src, size);
        if (!WriteDest(cpu, ref r, form, size, dst, ea, b)) return false;
        Set(ref r, src, size, a);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Bswap(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        Set(ref r, dst, size, Swapped(Get(ref r, dst, size), size));
        return true;
    }

    /// <summary>bswap's result at 4 or 8 bytes (the translator calls this too).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Swapped(ulong v, int size) =>
        size == 8 ? BinaryPrimitives.ReverseEndianness(v) : BinaryPrimitives.ReverseEndianness((uint)v);

    /// <summary>The source is read (and may fault) whatever the condition; a 32-bit destination is
    /// zero-extended even when nothing moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Cmovcc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source(cpu, ref r, next, form, size, src, bas, index, scale, addr32, disp, imm, out ulong v)) return false;
        Set(ref r, dst, size, f.Cond(XAux.Cond(aux)) ? v : Get(ref r, dst, size));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Setcc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) =>
        WriteDest(cpu, ref r, form, size, dst, form is XForm.MR or XForm.MI or XForm.M ? Ea(ref r, next, bas, index, scale, addr32, disp) : 0, f.Cond(XAux.Cond(aux)) ? 1UL : 0);

    /// <summary>cbw cwde cdqe: the accumulator's low half, sign-extended to size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ExtendAcc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        Set(ref r, 0, size, (ulong)LazyFlags.SignExtend(R(ref r, 0), size / 2));
        return true;
    }

    /// <summary>cwd cdq cqo: dx/edx/rdx all copies of the accumulator's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ExtendAccToDx(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        Set(ref r, 2, size, LazyFlags.SignExtend(R(ref r, 0), size) < 0 ? ulong.MaxValue : 0);
        return true;
    }
}

using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>
/// The semantics of every instruction: one method per <see cref="XCode"/>, named as the code, all with the same
/// parameters, the instruction's decoded fields (<see cref="XOp"/>) one by one:
/// <c>bool Name(cpu, ref registers, ref flags, ref next, form, size, dst, src, bas, index, scale, addr32, disp, imm, aux)</c>.
/// next is the address of the following instruction, which a branch replaces with its target. False means the
/// instruction faulted (cpu.LastFault says how) and changed nothing: every method reads all it needs (and may
/// fault) before it writes, and puts the flags back if a final memory write faults. The interpreter calls them
/// through a table (<see cref="XDispatch{TBus}"/>) with the fields of the decoded op; the block translator calls
/// the same methods from IL with the fields as constants, so the JIT inlines each one and folds it down to the
/// instruction at hand (the fields are parameters, not a struct, so that the JIT sees constants while it
/// inlines and drops the other forms' code before it counts the cost).
/// Conditions on those fields compare the parameter itself (<c>form is XForm.MR or ...</c>), never a helper's
/// result or a local: the JIT then drops the other cases as it inlines, before they cost it anything.
/// This file: operand access shared by the families (Ops/*.cs).
/// </summary>
internal static partial class XOps<TBus> where TBus : IMemoryBus
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref ulong R(ref GeneralRegisters r, int i) => ref Unsafe.Add(ref Unsafe.As<GeneralRegisters, ulong>(ref r), i);

    /// <summary>A register at a size; 16-19 are ah, ch, dh, bh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Get(ref GeneralRegisters r, int reg, int size)
    {
        if (reg >= 16) return (byte)(R(ref r, reg - 16) >> 8);
        return R(ref r, reg) & LazyFlags.Mask(size);
    }

    /// <summary>Writes as x86-64 does: 32-bit results zero-extend, 8- and 16-bit ones merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Set(ref GeneralRegisters r, int reg, int size, ulong v)
    {
        if (reg >= 16)
        {
            ref ulong h = ref R(ref r, reg - 16);
            h = (h & ~0xFF00UL) | ((v & 0xFF) << 8);
            return;
        }
        ref ulong g = ref R(ref r, reg);
        g = size switch
        {
            8 => v,
            4 => (uint)v,
            2 => (g & ~0xFFFFUL) | (ushort)v,
            _ => (g & ~0xFFUL) | (byte)v,
        };
    }

    /// <summary>The effective address of the memory operand (base, index * 2^scale, displacement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Ea(ref GeneralRegisters r, ulong next, int bas, int index, int scale, bool addr32, long disp)
    {
        ulong a = (ulong)disp;
        if (bas < 16) a += R(ref r, bas);
        else if (bas == XOp.RipReg) a += next;
        if (index < 16) a += R(ref r, index) << scale;
        return addr32 ? (uint)a : a;
    }

    /// <summary>The source of a two-operand form (register, immediate or memory) at size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Source(X86Cpu<TBus> cpu, ref GeneralRegisters r, ulong next, XForm form, int size, int src,
        int bas, int index, int scale, bool addr32, long disp, long imm, out ulong v)
    {
        if (form is XForm.RR or XForm.MR)
        {
            v = Get(ref r, src, size);
            return true;
        }
        if (form is XForm.RI or XForm.MI or XForm.I)
        {
            v = (ulong)imm & LazyFlags.Mask(size);
            return true;
        }
        return cpu.Load(Ea(ref r, next, bas, index, scale, addr32, disp), size, out v);
    }

    /// <summary>The operand of a one-operand form (register or memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Source1(X86Cpu<TBus> cpu, ref GeneralRegisters r, ulong next, XForm form, int size, int dst,
        int bas, int index, int scale, bool addr32, long disp, out ulong v)
    {
        if (form == XForm.R)
        {
            v = Get(ref r, dst, size);
            return true;
        }
        return cpu.Load(Ea(ref r, next, bas, index, scale, addr32, disp), size, out v);
    }

    /// <summary>Reads the destination (first operand); ea is its address when in memory. A destination that
    /// will be written back is read with write permission (see <see cref="X86Cpu{TBus}.Load"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Dest(X86Cpu<TBus> cpu, ref GeneralRegisters r, ulong next, XForm form, int size, int dst,
        int bas, int index, int scale, bool addr32, long disp, out ulong v, out ulong ea, bool readOnly = false)
    {
        if (form is XForm.MR or XForm.MI or XForm.M)
        {
            ea = Ea(ref r, next, bas, index, scale, addr32, disp);
            return cpu.Load(ea, size, out v, readOnly ? Access.Read : Access.Write);
        }
        ea = 0;
        v = Get(ref r, dst, size);
        return true;
    }

    /// <summary>Writes the destination back: memory may fault (then nothing changed), a register cannot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool WriteDest(X86Cpu<TBus> cpu, ref GeneralRegisters r, XForm form, int size, int dst, ulong ea, ulong v)
    {
        if (form is XForm.MR or XForm.MI or XForm.M) return cpu.Store(ea, size, v);
        Set(ref r, dst, size, v);
        return true;
    }

    internal static bool Invalid(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) =>
        cpu.Fail(new MemoryFault(FaultKind.GeneralProtection, next - (ulong)XAux.Len(aux), Access.Fetch, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Nop(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => true;
}

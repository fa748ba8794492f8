using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// push pop call ret jmp jcc leave enter: the stack is written before rsp moves, so a fault leaves rsp as it was
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Push(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ulong v;
        if (form == XForm.I) v = (ulong)imm;
        else if (!Source1(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out v)) return false;
        ref ulong rsp = ref R(ref r, 4);
        ulong top = rsp - (ulong)size;
        if (!cpu.Store(top, size, v)) return false;
        rsp = top;
        return true;
    }

    /// <summary>pop: a memory destination is addressed with rsp already incremented, as the SDM says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Pop(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ref ulong rsp = ref R(ref r, 4);
        ulong top = rsp;
        if (!cpu.Load(top, size, out ulong v)) return false;
        rsp = top + (ulong)size;
        if (form == XForm.R)
        {
            Set(ref r, dst, size, v);
            return true;
        }
        if (cpu.Store(Ea(ref r, next, bas, index, scale, addr32, disp), size, v)) return true;
        rsp = top;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Call(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ref ulong rsp = ref R(ref r, 4);
        if (!cpu.Store(rsp - 8, 8, next)) return false;
        rsp -= 8;
        next += (ulong)imm;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool CallInd(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ref ulong rsp = ref R(ref r, 4);
        if (!Source1(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong target)) return false;
        if (!Canonical(target)) return NonCanonicalBranch(cpu, target);
        if (!cpu.Store(rsp - 8, 8, next)) return false;
        rsp -= 8;
        next = target;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Ret(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ref ulong rsp = ref R(ref r, 4);
        if (!cpu.Load(rsp, 8, out ulong target)) return false;
        if (!Canonical(target)) return NonCanonicalBranch(cpu, target);
        rsp += 8 + (ulong)imm;
        next = target;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Jmp(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        next += (ulong)imm;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool JmpInd(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Source1(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong target)) return false;
        if (!Canonical(target)) return NonCanonicalBranch(cpu, target);
        next = target;
        return true;
    }

    /// <summary>Whether bits 63..47 of va are all equal: the only addresses a 4-level x86-64 machine can branch to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Canonical(ulong va) => (ulong)((long)(va << 16) >> 16) == va;

    /// <summary>#GP(0) raised by an indirect jmp, call or ret whose target is not canonical: the branch itself faults,
    /// so rip stays on it, call has pushed nothing and ret has popped nothing (the SDM's order; a stack smashed
    /// with "AAAAAAAA" faults at the ret). The fault's address is the target, for the kernel's message.</summary>
    internal static bool NonCanonicalBranch(X86Cpu<TBus> cpu, ulong target) =>
        cpu.Fail(new MemoryFault(FaultKind.GeneralProtection, target, Access.Fetch, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Jcc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (f.Cond(XAux.Cond(aux))) next += (ulong)imm;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Leave(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ulong rbp = R(ref r, 5);
        if (!cpu.Load(rbp, 8, out ulong saved)) return false;
        R(ref r, 4) = rbp + 8;
        R(ref r, 5) = saved;
        return true;
    }

    internal static bool Enter(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ulong top = R(ref r, 4) - 8;
        if (!cpu.Store(top, 8, R(ref r, 5))) return false;
        R(ref r, 5) = top;
        R(ref r, 4) = top - (ulong)imm;
        return true;
    }
}

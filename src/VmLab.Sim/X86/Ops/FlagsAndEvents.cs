using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// clc stc cmc cld std lahf sahf pushfq popfq; syscall hlt
internal static partial class XOps<TBus>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Clc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) { f.SetAll(f.Full() & ~Fl.CF); return true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Stc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) { f.SetAll(f.Full() | Fl.CF); return true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Cmc(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) { f.SetAll(f.Full() ^ Fl.CF); return true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Cld(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) { f.Flags &= ~Fl.DF; return true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool Std(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) { f.Flags |= Fl.DF; return true; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Lahf(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        Set(ref r, 16, 1, (f.Full() & 0xD5) | Fl.Fixed);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Sahf(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        const ulong low = Fl.SF | Fl.ZF | Fl.AF | Fl.PF | Fl.CF;
        f.SetAll((f.Full() & ~low) | (Get(ref r, 16, 1) & low));
        return true;
    }

    internal static bool Pushf(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ulong top = R(ref r, 4) - 8;
        if (!cpu.Store(top, 8, f.Full())) return false;
        R(ref r, 4) = top;
        return true;
    }

    /// <summary>popfq: only the bits user code may change (TF, IOPL and IF are left alone).</summary>
    internal static bool Popf(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        ulong top = R(ref r, 4);
        if (!cpu.Load(top, 8, out ulong v)) return false;
        R(ref r, 4) = top + 8;
        f.SetAll((f.Full() & ~Fl.UserWritable) | (v & Fl.UserWritable));
        return true;
    }

    /// <summary>syscall: rcx = the return rip, r11 = RFLAGS, as on hardware; the CPU then stops for the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Syscall(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        R(ref r, 1) = next;
        R(ref r, 11) = f.Full();
        return true;
    }

    /// <summary>hlt: privileged (#GP at user privilege); at supervisor privilege the CPU stops after it.</summary>
    internal static bool Hlt(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) =>
        cpu.Privilege != Privilege.User
        || cpu.Fail(new MemoryFault(FaultKind.GeneralProtection, next - (ulong)XAux.Len(aux), Access.Fetch, 0, FaultCause.PrivilegedInstruction));
}

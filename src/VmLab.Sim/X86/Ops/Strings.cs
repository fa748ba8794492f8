using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// movs stos lods cmps scas, with rep/repe/repne. Restartable as on hardware: rsi, rdi and rcx advance after
// every finished iteration, so when an access faults the iterations before it are done, the registers say
// exactly how far, rip stays on the instruction and running it again continues (the instruction "faults"
// with those iterations kept: the one architectural exception to "a fault changes nothing").
// rep movsb/stosb with DF clear move 8 bytes a step while both pointers are 8-aligned (an aligned 8-byte
// access never spans pages, so a fault lands where a byte-wise copy would fault).
internal static partial class XOps<TBus>
{
    internal static bool Movs(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => StringOp(cpu, ref r, ref f, size, XAux.Rep(aux), XCode.Movs);
    internal static bool Stos(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => StringOp(cpu, ref r, ref f, size, XAux.Rep(aux), XCode.Stos);
    internal static bool Lods(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => StringOp(cpu, ref r, ref f, size, XAux.Rep(aux), XCode.Lods);
    internal static bool Cmps(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => StringOp(cpu, ref r, ref f, size, XAux.Rep(aux), XCode.Cmps);
    internal static bool Scas(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux) => StringOp(cpu, ref r, ref f, size, XAux.Rep(aux), XCode.Scas);

    private static bool StringOp(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, int size, XRep rep, XCode code)
    {
        bool down = (f.Flags & Fl.DF) != 0;
        if (code is XCode.Movs or XCode.Stos)
            return MoveString(cpu, code, size, rep, down, ref R(ref r, 1), ref R(ref r, 6), ref R(ref r, 7), R(ref r, 0));
        if (rep == XRep.None) return StringStep(cpu, ref r, ref f, code, size, down);
        ref ulong rcx = ref R(ref r, 1);
        bool compares = code is XCode.Cmps or XCode.Scas;
        while (rcx != 0)
        {
            if (!StringStep(cpu, ref r, ref f, code, size, down)) return false;
            rcx--;
            if (compares)
            {
                bool zf = f.Cond(4);
                if (rep == XRep.Rep ? !zf : zf) break;
            }
        }
        return true;
    }

    /// <summary>movs and stos, with or without rep, on the registers they use (rcx, rsi, rdi; rax read): the
    /// translator calls this too, on its own copies of them, which it takes back also after a fault.</summary>
    internal static bool MoveString(X86Cpu<TBus> cpu, XCode code, int size, XRep rep, bool down,
        ref ulong rcx, ref ulong rsi, ref ulong rdi, ulong rax)
    {
        if (rep == XRep.None) return MoveStep(cpu, code, size, false, down, ref rsi, ref rdi, rax);
        while (rcx != 0)
        {
            int step = size == 1 && !down && rcx >= 8 && ((rdi | (code == XCode.Movs ? rsi : 0)) & 7) == 0 ? 8 : size;
            if (!MoveStep(cpu, code, step, step != size, down, ref rsi, ref rdi, rax)) return false;
            rcx -= step != size ? 8UL : 1UL;
        }
        return true;
    }

    /// <summary>One movs or stos iteration: on success the pointers move by size (8-byte steps of a byte op move 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MoveStep(X86Cpu<TBus> cpu, XCode code, int size, bool wide, bool down, ref ulong rsi, ref ulong rdi, ulong rax)
    {
        ulong delta = down ? (ulong)-size : (ulong)size;
        if (code == XCode.Movs)
        {
            if (!cpu.Load(rsi, size, out ulong v) || !cpu.Store(rdi, size, v)) return false;
            rsi += delta;
        }
        else if (!cpu.Store(rdi, size, wide ? (rax & 0xFF) * 0x0101010101010101UL : rax)) return false;
        rdi += delta;
        return true;
    }

    /// <summary>One lods, cmps or scas iteration: on success the pointers move by size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool StringStep(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, XCode code, int size, bool down)
    {
        ref ulong rsi = ref R(ref r, 6);
        ref ulong rdi = ref R(ref r, 7);
        ulong delta = down ? (ulong)-size : (ulong)size;
        switch (code)
        {
            case XCode.Lods:
            {
                if (!cpu.Load(rsi, size, out ulong v)) return false;
                Set(ref r, 0, size, v);
                rsi += delta;
                return true;
            }
            case XCode.Cmps:   // flags of [rsi] - [rdi]
            {
                if (!cpu.Load(rsi, size, out ulong a) || !cpu.Load(rdi, size, out ulong b)) return false;
                f.Set(LazyFlags.Sub, size, a, b, (a - b) & LazyFlags.Mask(size));
                rsi += delta;
                rdi += delta;
                return true;
            }
            default:   // scas: flags of accumulator - [rdi]
            {
                if (!cpu.Load(rdi, size, out ulong b)) return false;
                ulong a = R(ref r, 0) & LazyFlags.Mask(size);
                f.Set(LazyFlags.Sub, size, a, b, (a - b) & LazyFlags.Mask(size));
                rdi += delta;
                return true;
            }
        }
    }
}

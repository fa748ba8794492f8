using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// xadd cmpxchg (a lock prefix is accepted and changes nothing on one CPU)
internal static partial class XOps<TBus>
{
    /// <summary>xadd: the destination gets the sum, the source register the old destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Xadd(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong a, out ulong ea)) return false;
        ulong b = Get(ref r, src, size);
        ulong sum = Alu(f, XCode.Add, a, b, size, out byte kind);
        if (form is XForm.MR or XForm.MI or XForm.M)
        {
            if (!cpu.Store(ea, size, sum)) return false;
            Set(ref r, src, size, a);
        }
        else
        {
            Set(ref r, src, size, a);
            Set(ref r, dst, size, sum);
        }
        f.Set(kind, size, a, b, sum);
        return true;
    }

    /// <summary>cmpxchg: compare the accumulator with the destination; equal: destination = source, else
    /// accumulator = destination. A memory destination is always written (the old value when unequal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Cmpxchg(X86Cpu<TBus> cpu, ref GeneralRegisters r, ref LazyFlags f, ref ulong next, XForm form, int size, int dst, int src, int bas, int index, int scale, bool addr32, long disp, long imm, int aux)
    {
        if (!Dest(cpu, ref r, next, form, size, dst, bas, index, scale, addr32, disp, out ulong d, out ulong ea)) return false;
        ulong acc = Get(ref r, 0, size);
        bool equal = acc == d;
        if (form is XForm.MR or XForm.MI or XForm.M)
        {
            if (!cpu.Store(ea, size, equal ? Get(ref r, src, size) : d)) return false;
        }
        else if (equal) Set(ref r, dst, size, Get(ref r, src, size));
        if (!equal) Set(ref r, 0, size, d);
        f.Set(LazyFlags.Sub, size, acc, d, (acc - d) & LazyFlags.Mask(size));
        return true;
    }
}

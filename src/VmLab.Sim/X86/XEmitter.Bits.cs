using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// bt bts btr btc (register and memory, bit-string addressing), bsf bsr tzcnt lzcnt popcnt, bswap: the values from
// their definitions' parts (Ops/Bits.cs, Ops/Move.cs), the IL adds where the operands live and the order.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo BitOffsetMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.BitOffset), Static)!;
    private static readonly MethodInfo BitAddressMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.BitAddress), Static)!;
    private static readonly MethodInfo BitOfMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.BitOf), Static)!;
    private static readonly MethodInfo BitResultMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.BitResult), Static)!;
    private static readonly MethodInfo ScanValueMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ScanValue), Static)!;
    private static readonly MethodInfo ScanWritesMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ScanWrites), Static)!;
    private static readonly MethodInfo ScanFlagsMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ScanFlags), Static)!;
    private static readonly MethodInfo SwappedMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.Swapped), Static)!;
    private static readonly MethodInfo WithCarrySetMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.WithCarrySet))!;

    /// <summary>bt, bts, btr, btc: the word that holds the bit (a register, or memory at the bit string's word,
    /// read with write permission when it will be written), then the changed word, then CF = the bit with the
    /// record before kept for the other flags (<see cref="LazyFlags.ReplaceCarry"/>): no flag is worked out here.</summary>
    private void BitTest(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        il.Emit(OpCodes.Ldc_I4, (int)op.Form);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Ldc_I8, op.Imm);
        if (op.Form is XForm.RR or XForm.MR) GetReg(op.Src, size);
        else il.Emit(OpCodes.Ldc_I8, 0L);
        il.Emit(OpCodes.Call, BitOffsetMethod);
        il.Emit(OpCodes.Stloc, _b);
        if (IsMem(op.Form))
        {
            Ea(op, next);
            il.Emit(OpCodes.Ldloc, _b);
            il.Emit(OpCodes.Ldc_I4, size);
            il.Emit(OpCodes.Call, BitAddressMethod);
            Load(size, op.Code == XCode.Bt ? Access.Read : Access.Write, fail);
            il.Emit(OpCodes.Ldloc, _t);
        }
        else GetReg(op.Dst, size);
        il.Emit(OpCodes.Stloc, _a);
        if (op.Code != XCode.Bt)
        {
            il.Emit(OpCodes.Ldc_I4, (int)op.Code);
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Ldloc, _b);
            il.Emit(OpCodes.Ldc_I4, size);
            il.Emit(OpCodes.Call, BitResultMethod);
            il.Emit(OpCodes.Stloc, _v);
            WriteDest(op, fail);
        }
        _known = null;
        if (!_flagsLive) return;   // a later instruction replaces the flags unseen
        il.Emit(OpCodes.Ldloc, _fl[FOp]);
        il.Emit(OpCodes.Call, WithCarrySetMethod);
        il.Emit(OpCodes.Stloc, _fl[FOp]);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, BitOfMethod);
        il.Emit(OpCodes.Stloc, _fl[FCf]);
        _known = (LazyFlags.CarrySet, size);   // a jb or adc next reads Cf alone
    }

    /// <summary>bsf, bsr, tzcnt, lzcnt, popcnt: the source (register or memory), the result into the destination
    /// (not for bsf and bsr of 0), then the status flags, eager.</summary>
    private void BitScan(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        Source(op, next, size, fail);
        il.Emit(OpCodes.Stloc, _a);
        il.Emit(OpCodes.Ldc_I4, (int)op.Code);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, ScanValueMethod);
        il.Emit(OpCodes.Stloc, _v);
        Label kept = il.DefineLabel();
        if (op.Code is XCode.Bsf or XCode.Bsr)
        {
            il.Emit(OpCodes.Ldc_I4, (int)op.Code);
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Call, ScanWritesMethod);
            il.Emit(OpCodes.Brfalse, kept);
        }
        il.Emit(OpCodes.Ldloc, _v);
        SetReg(op.Dst, size);
        il.MarkLabel(kept);
        ForgetNarrow(op.Dst);   // bsf and bsr of 0 leave it as it was
        _known = null;
        if (!_flagsLive) return;
        XCode code = op.Code;
        EagerStatus(() =>
        {
            il.Emit(OpCodes.Ldc_I4, (int)code);
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Ldloc, _v);
            il.Emit(OpCodes.Ldc_I4, size);
            il.Emit(OpCodes.Call, ScanFlagsMethod);
        });
    }

    private void Bswap(in XOp op)
    {
        GetReg(op.Dst, op.Size);
        il.Emit(OpCodes.Ldc_I4, (int)op.Size);
        il.Emit(OpCodes.Call, SwappedMethod);
        SetReg(op.Dst, op.Size);
    }
}

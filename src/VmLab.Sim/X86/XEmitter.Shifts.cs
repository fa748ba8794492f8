using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// shl, shr and sar at every size, by an immediate count or by cl; rol and ror by cl; shld and shrd; a register
// shifted or rotated by an immediate count straight from its local and back (no scratch local).
internal sealed partial class XEmitter<TBus>
{
    /// <summary>The shift into its destination, then its flags record. An immediate count is its masked value,
    /// not 0 (Handled). A count in cl is cl masked to 31 or 63, known only when it runs: a count of 0 still writes
    /// the destination (a 32-bit register is zero-extended) but leaves the flags as they were, so the record is
    /// written only for another count, after the destination, as with an immediate count.</summary>
    private void Shift(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        if (op.Code is XCode.Rol or XCode.Ror)
        {
            RotateByCl(op, next, fail);
            return;
        }
        byte kind = XOps<TBus>.ShiftKind(op.Code);
        Dest(op, next, Access.Write, fail);
        if (!op.CountInCl)
        {
            long count = ImmediateCount(op);
            ShiftValue(op.Code, size, () => il.Emit(OpCodes.Ldc_I8, count));
            WriteDest(op, fail);
            Record(kind, size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldc_I8, count));
            return;
        }
        Label zero = il.DefineLabel(), unchanged = il.DefineLabel();
        MaskedCount(op, zero);
        ShiftValue(op.Code, size, () => il.Emit(OpCodes.Ldloc, _b));
        il.MarkLabel(zero);
        WriteDest(op, fail);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Brfalse, unchanged);
        Record(kind, size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldloc, _b));
        il.MarkLabel(unchanged);
        _known = null;   // the record is this shift's or the one before it: which, only the count knows
    }

    /// <summary>shl, shr and sar of a register by an immediate count (1 to width - 1); false for other forms.</summary>
    private bool ShiftRegisterByImmediate(in XOp op)
    {
        if (op.Form != XForm.R || op.Dst >= 16 || op.CountInCl || op.Code is not (XCode.Shl or XCode.Shr or XCode.Sar))
            return false;
        int size = op.Size, dst = op.Dst;
        int count = ImmediateCount(op);
        bool narrow;
        switch (op.Code)
        {
            case XCode.Shl:
                Raw(dst, size);   // the bits shifted past size are masked off after
                il.Emit(OpCodes.Ldc_I4, count);
                il.Emit(OpCodes.Shl);
                narrow = Result(size, false);
                break;
            case XCode.Shr:
                narrow = GetReg(dst, size) || count >= 32;
                il.Emit(OpCodes.Ldc_I4, count);
                il.Emit(OpCodes.Shr_Un);
                break;
            default:
                il.Emit(OpCodes.Ldloc, _r[dst]);
                SignExtend(size);
                il.Emit(OpCodes.Ldc_I4, count);
                il.Emit(OpCodes.Shr);
                narrow = Result(size, false);
                break;
        }
        if (_flagsLive)
        {
            il.Emit(OpCodes.Stloc, _v);
            Record(XOps<TBus>.ShiftKind(op.Code), size, () => GetReg(dst, size), () => il.Emit(OpCodes.Ldc_I8, (long)count));
            il.Emit(OpCodes.Ldloc, _v);
        }
        else Record(0, size, () => { }, () => { });
        SetReg(dst, size, narrow);
        return true;
    }

    /// <summary>rol and ror of a register by an immediate count (not 0 once masked): the definition's rotate,
    /// and its flags (which read _v) when they are seen. False for other forms.</summary>
    private bool RotateRegisterByImmediate(in XOp op)
    {
        if (op.Form != XForm.R || op.Dst >= 16 || op.CountInCl) return false;
        int size = op.Size;
        il.Emit(OpCodes.Ldc_I4, (int)op.Code);
        GetReg(op.Dst, size);
        il.Emit(OpCodes.Ldc_I4, ImmediateCount(op));
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, RotateMethod);
        _known = null;
        if (_flagsLive)
        {
            il.Emit(OpCodes.Stloc, _v);
            il.Emit(OpCodes.Ldloc, _v);
        }
        SetReg(op.Dst, size, narrow: size <= 4);   // masked to size
        if (_flagsLive) RotatePending(op.Code, size);
        return true;
    }

    /// <summary>rol and ror by cl: the definition's rotate and, for a masked count other than 0, its flags (CF
    /// and OF from the result, the rest as they were, eager).</summary>
    private void RotateByCl(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        Label zero = il.DefineLabel();
        Dest(op, next, Access.Write, fail);
        MaskedCount(op, zero);
        il.Emit(OpCodes.Ldc_I4, (int)op.Code);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, RotateMethod);
        il.Emit(OpCodes.Stloc, _v);
        XOp o = op;
        WriteThenCountedFlags(op, zero, fail, () => RotateFlags(o.Code, size));
    }

    /// <summary>The record becomes the full RFLAGS after a rotate whose result is in result (_v when not given;
    /// the definition's RotateFlags).</summary>
    private void RotateFlags(XCode code, int size, LocalBuilder? result = null)
    {
        il.Emit(OpCodes.Ldc_I4, (int)code);
        FlagArgs();
        il.Emit(OpCodes.Call, FullMethod);
        il.Emit(OpCodes.Ldloc, result ?? _v);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, RotateFlagsMethod);
        Eager();
    }

    private static readonly MethodInfo ThroughMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.Through), Static)!;
    private static readonly MethodInfo ShiftDoubleFlagsMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ShiftDoubleFlags), Static)!;
    private LocalBuilder? _pair;

    /// <summary>shld and shrd: the definition's shifted value and carry (Through), written back, then the status
    /// flags, eager; a masked count of 0 writes the destination unchanged and leaves the flags.</summary>
    private void ShiftDouble(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        Label zero = il.DefineLabel();
        _pair ??= il.DeclareLocal(typeof((ulong, ulong)));
        Dest(op, next, Access.Write, fail);
        MaskedCount(op, zero);
        il.Emit(op.Code == XCode.Shld ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Ldloc, _a);
        GetReg(op.Src, size);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Ldc_I8, (long)LazyFlags.Mask(size));
        il.Emit(OpCodes.Call, ThroughMethod);
        il.Emit(OpCodes.Stloc, _pair);
        il.Emit(OpCodes.Ldloc, _pair);
        il.Emit(OpCodes.Ldfld, typeof((ulong, ulong)).GetField("Item1")!);
        il.Emit(OpCodes.Stloc, _v);
        il.Emit(OpCodes.Ldloc, _pair);
        il.Emit(OpCodes.Ldfld, typeof((ulong, ulong)).GetField("Item2")!);
        il.Emit(OpCodes.Stloc, _t);
        WriteThenCountedFlags(op, zero, fail, () => EagerStatus(() =>
        {
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Ldloc, _v);
            il.Emit(OpCodes.Ldloc, _t);
            il.Emit(OpCodes.Ldc_I4, size);
            il.Emit(OpCodes.Call, ShiftDoubleFlagsMethod);
        }));
    }

    /// <summary>Where a masked count of 0 joins (zero): _v into the destination (the result, or the value as it
    /// was), then flags() only for a count other than 0, and only when the flags are seen.</summary>
    private void WriteThenCountedFlags(in XOp op, Label zero, Label fail, Action flags)
    {
        Label unchanged = il.DefineLabel();
        il.MarkLabel(zero);
        WriteDest(op, fail);
        _known = null;
        if (!_flagsLive) return;   // a later instruction replaces the flags unseen
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Brfalse, unchanged);
        flags();
        il.MarkLabel(unchanged);
    }

    /// <summary>_b = the count (cl or the immediate) masked to 31 or 63, _v = _a (what a count of 0 writes back),
    /// then on to zero when the count is 0.</summary>
    private void MaskedCount(in XOp op, Label zero)
    {
        if (op.CountInCl) il.Emit(OpCodes.Ldloc, _r[1]);
        else il.Emit(OpCodes.Ldc_I8, op.Imm);
        il.Emit(OpCodes.Ldc_I8, op.Size == 8 ? 63L : 31L);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Stloc, _b);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Stloc, _v);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Brfalse, zero);
    }

    /// <summary>_v = the definition's shift of _a by the count count() pushes (a ulong).</summary>
    private void ShiftValue(XCode code, int size, Action count)
    {
        il.Emit(OpCodes.Ldc_I4, (int)code);
        il.Emit(OpCodes.Ldloc, _a);
        count();
        il.Emit(OpCodes.Conv_I4);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, ShiftMethod);
        il.Emit(OpCodes.Stloc, _v);
    }
}

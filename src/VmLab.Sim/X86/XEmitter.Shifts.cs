using System.Reflection.Emit;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// shl, shr and sar at 32 and 64 bits, by an immediate count or by cl.
internal sealed partial class XEmitter<TBus>
{
    /// <summary>The shift into its destination, then its flags record. An immediate count is 1 to width - 1
    /// (Handled). A count in cl is cl masked to 31 or 63, known only when it runs: a count of 0 still writes the
    /// destination (a 32-bit register is zero-extended) but leaves the flags as they were, so the record is written
    /// only for another count, after the destination, as with an immediate count.</summary>
    private void Shift(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        byte kind = XOps<TBus>.ShiftKind(op.Code);
        Dest(op, next, Access.Write, fail);
        if (!op.CountInCl)
        {
            long count = op.Imm & (size == 8 ? 63 : 31);
            ShiftValue(op.Code, size, () => il.Emit(OpCodes.Ldc_I8, count));
            WriteDest(op, fail);
            Record(kind, size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldc_I8, count));
            return;
        }
        Label zero = il.DefineLabel(), unchanged = il.DefineLabel();
        il.Emit(OpCodes.Ldloc, _r[1]);
        il.Emit(OpCodes.Ldc_I8, size == 8 ? 63L : 31L);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Stloc, _b);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Stloc, _v);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Brfalse, zero);
        ShiftValue(op.Code, size, () => il.Emit(OpCodes.Ldloc, _b));
        il.MarkLabel(zero);
        WriteDest(op, fail);
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Brfalse, unchanged);
        Record(kind, size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldloc, _b));
        il.MarkLabel(unchanged);
        _known = null;   // the record is this shift's or the one before it: which, only the count knows
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

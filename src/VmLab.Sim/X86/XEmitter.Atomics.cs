using System.Reflection.Emit;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// xchg, xadd and cmpxchg (a lock prefix means nothing more on one CPU), leave, setcc into memory: what the
// definitions (Ops/Move.cs, Ops/Atomic.cs, Ops/Control.cs) do, in their order: the destination is read with write
// permission, written before any register, and the flags record comes last (from AluValue, as the definitions
// compute it), so a fault on the store changes nothing.
internal sealed partial class XEmitter<TBus>
{
    /// <summary>xchg: the source register into the destination, then the old destination into the register.</summary>
    private void Xchg(in XOp op, ulong next, Label fail)
    {
        Dest(op, next, Access.Write, fail);
        GetReg(op.Src, op.Size);
        il.Emit(OpCodes.Stloc, _v);
        WriteDest(op, fail);
        il.Emit(OpCodes.Ldloc, _a);
        SetReg(op.Src, op.Size);
    }

    /// <summary>xadd: the sum into the destination, the old destination into the source register; add's flags.</summary>
    private void Xadd(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        Dest(op, next, Access.Write, fail);
        GetReg(op.Src, size);
        il.Emit(OpCodes.Stloc, _b);
        AluInto(XCode.Add, size, _a, _b);
        if (IsMem(op.Form))
        {
            Store(size, fail);
            il.Emit(OpCodes.Ldloc, _a);
            SetReg(op.Src, size);
        }
        else
        {
            il.Emit(OpCodes.Ldloc, _a);
            SetReg(op.Src, size);
            il.Emit(OpCodes.Ldloc, _v);
            SetReg(op.Dst, size);
        }
        Record(XOps<TBus>.AluKind(XCode.Add), size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldloc, _b));
    }

    /// <summary>cmpxchg: the accumulator against the destination; equal, the source goes to the destination, else
    /// the destination to the accumulator. A memory destination is written either way (its old value when
    /// unequal). cmp's flags, accumulator - destination.</summary>
    private void Cmpxchg(in XOp op, ulong next, Label fail)
    {
        int size = op.Size;
        Label unequal = il.DefineLabel(), written = il.DefineLabel();
        Dest(op, next, Access.Write, fail);        // _a: the destination
        GetReg(0, size);
        il.Emit(OpCodes.Stloc, _b);                // _b: the accumulator
        if (IsMem(op.Form))
        {
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Stloc, _v);
            il.Emit(OpCodes.Ldloc, _b);
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Bne_Un, unequal);
            GetReg(op.Src, size);
            il.Emit(OpCodes.Stloc, _v);
            il.MarkLabel(unequal);
            Store(size, fail);
        }
        else
        {
            il.Emit(OpCodes.Ldloc, _b);
            il.Emit(OpCodes.Ldloc, _a);
            il.Emit(OpCodes.Bne_Un, unequal);
            GetReg(op.Src, size);
            SetReg(op.Dst, size);
            il.MarkLabel(unequal);
        }
        il.Emit(OpCodes.Ldloc, _b);
        il.Emit(OpCodes.Ldloc, _a);
        il.Emit(OpCodes.Beq, written);
        il.Emit(OpCodes.Ldloc, _a);
        SetReg(0, size);
        il.MarkLabel(written);
        ForgetNarrow(op.Dst);   // each written on one path only
        ForgetNarrow(0);
        AluInto(XCode.Cmp, size, _b, _a);   // the record is accumulator - destination
        Record(LazyFlags.Sub, size, () => il.Emit(OpCodes.Ldloc, _b), () => il.Emit(OpCodes.Ldloc, _a));
    }

    /// <summary>_v = the definition's ALU result of x and y (no carry in).</summary>
    private void AluInto(XCode code, int size, LocalBuilder x, LocalBuilder y)
    {
        il.Emit(OpCodes.Ldc_I4, (int)code);
        il.Emit(OpCodes.Ldloc, x);
        il.Emit(OpCodes.Ldloc, y);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Ldc_I8, 0L);
        il.Emit(OpCodes.Call, AluMethod);
        il.Emit(OpCodes.Stloc, _v);
    }

    /// <summary>leave: rbp's saved value popped (a fault changes nothing), rsp = rbp + 8.</summary>
    private void LeaveFrame(Label fail)
    {
        il.Emit(OpCodes.Ldloc, _r[5]);
        Load(8, Access.Read, fail);
        il.Emit(OpCodes.Ldloc, _r[5]);
        il.Emit(OpCodes.Ldc_I8, 8L);
        il.Emit(OpCodes.Add);
        StoreReg(4);
        il.Emit(OpCodes.Ldloc, _t);
        StoreReg(5);
    }

    /// <summary>setcc into a memory byte.</summary>
    private void SetccMemory(in XOp op, ulong next, Label fail)
    {
        Cond(op.Cond);
        il.Emit(OpCodes.Conv_U8);
        il.Emit(OpCodes.Stloc, _v);
        Ea(op, next);
        il.Emit(OpCodes.Stloc, _ea);
        Store(1, fail);
    }
}

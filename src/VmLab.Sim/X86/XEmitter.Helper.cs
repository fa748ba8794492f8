using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// The instructions the region does not emit as IL (the forms XEmitter.Ops.cs's Handled leaves out): a call of the
// instruction's definition, as the interpreter makes it.
internal sealed partial class XEmitter<TBus>
{
    private static readonly Type[] HelperArgs =
    [
        typeof(X86Cpu<TBus>), typeof(GeneralRegisters).MakeByRefType(), typeof(LazyFlags).MakeByRefType(), typeof(ulong).MakeByRefType(),
        typeof(XForm), typeof(int), typeof(int), typeof(int), typeof(int), typeof(int), typeof(int), typeof(bool), typeof(long),
        typeof(long), typeof(int),
    ];

    /// <summary>
    /// Any other instruction: its XOps method, called as the interpreter calls it (through the same function
    /// pointer, so the JIT does not inline it here), on the CPU's registers and flags, which the locals are
    /// stored to before and loaded from after (also when it faults: rep string instructions keep the iterations
    /// done). _next is what it leaves as the next rip (a branch's target).
    /// </summary>
    private unsafe void Helper(in XOp op, ulong next, Label fail)
    {
        _known = null;
        ForgetNarrow();   // the definition may write any register
        StoreState();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldc_I8, (long)next);
        il.Emit(OpCodes.Stfld, RipField);
        il.Emit(OpCodes.Ldarg_0);
        Gpr(0);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, FlagsField);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldflda, RipField);
        foreach (int v in (ReadOnlySpan<int>)[(int)op.Form, op.Size, op.Dst, op.Src, op.Base, op.Index, op.Scale, op.Addr32 ? 1 : 0])
            il.Emit(OpCodes.Ldc_I4, v);
        il.Emit(OpCodes.Ldc_I8, op.Disp);
        il.Emit(OpCodes.Ldc_I8, op.Imm);
        il.Emit(OpCodes.Ldc_I4, op.Aux);
        il.Emit(OpCodes.Ldc_I8, (long)(nint)XDispatch<TBus>.Get(op.Code));
        il.Emit(OpCodes.Conv_I);
        il.EmitCalli(OpCodes.Calli, System.Reflection.CallingConventions.Standard, typeof(bool), HelperArgs, null);
        il.Emit(OpCodes.Stloc, _ok);
        LoadState();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldfld, RipField);
        il.Emit(OpCodes.Stloc, _next);
        il.Emit(OpCodes.Ldloc, _ok);
        il.Emit(OpCodes.Brfalse, fail);
    }
}

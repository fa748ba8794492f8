using System.Reflection;
using System.Reflection.Emit;

namespace VmLab.Sim.X86;

// movs and stos (rep or not): their definition's loop (XOps.MoveString) called on copies of rcx, rsi and rdi, so
// that the region's other registers and flags stay in its locals instead of going to the CPU and back.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo MoveStringMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.MoveString), Static)!;

    // the copies whose addresses the call takes (only these are address-exposed to the JIT, not the registers' locals)
    private LocalBuilder? _rcxCopy, _rsiCopy, _rdiCopy;

    /// <summary>rcx, rsi and rdi into their copies, the call, and the copies back, also when it faulted: a rep
    /// instruction that faults keeps the iterations it finished, as the interpreter does. DF is in the flags
    /// record's RFLAGS, whatever its kind.</summary>
    private void MoveString(in XOp op, Label fail)
    {
        _rcxCopy ??= U64();
        _rsiCopy ??= U64();
        _rdiCopy ??= U64();
        LocalBuilder[] copies = [_rcxCopy, _rsiCopy, _rdiCopy];
        ReadOnlySpan<int> regs = [1, 6, 7];
        for (int i = 0; i < 3; i++)
        {
            il.Emit(OpCodes.Ldloc, _r[regs[i]]);
            il.Emit(OpCodes.Stloc, copies[i]);
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4, (int)op.Code);
        il.Emit(OpCodes.Ldc_I4, (int)op.Size);
        il.Emit(OpCodes.Ldc_I4, (int)op.Rep);
        il.Emit(OpCodes.Ldloc, _fl[FFlags]);
        il.Emit(OpCodes.Ldc_I8, (long)Fl.DF);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Ldc_I8, 0L);
        il.Emit(OpCodes.Cgt_Un);
        foreach (var copy in copies) il.Emit(OpCodes.Ldloca, copy);
        il.Emit(OpCodes.Ldloc, _r[0]);
        il.Emit(OpCodes.Call, MoveStringMethod);
        _calledStore = true;
        il.Emit(OpCodes.Stloc, _ok);
        for (int i = 0; i < 3; i++)
        {
            il.Emit(OpCodes.Ldloc, copies[i]);
            StoreReg(regs[i]);
        }
        il.Emit(OpCodes.Ldloc, _ok);
        il.Emit(OpCodes.Brfalse, fail);
    }
}

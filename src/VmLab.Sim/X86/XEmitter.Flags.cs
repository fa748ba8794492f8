using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// The lazy flags in IL: a record of the last flag-setting operation (kind, size, operands, result) in locals, as
// the interpreter keeps it in LazyFlags, and conditions and the carry read from it through LazyFlags' own
// definitions, folded where the piece knows the record's kind.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo FullMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.FullOf))!;
    private static readonly MethodInfo CarryMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.CarryOf))!;
    private static readonly MethodInfo CondMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.CondOf))!;
    private static readonly MethodInfo CondAfterSubMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.CondAfterSub))!;
    private static readonly MethodInfo CondAfterLogicMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.CondAfterLogic))!;
    private static readonly MethodInfo SignExtendMethod = typeof(LazyFlags).GetMethod(nameof(LazyFlags.SignExtend))!;

    /// <summary>A flags record (kind, size, a, b, _v), as the instruction's definition leaves it; nothing when a
    /// later instruction replaces it unseen (<see cref="FlagsLive"/>).</summary>
    private void Record(byte kind, int size, Action a, Action b)
    {
        if (!_flagsLive)
        {
            _known = null;
            return;
        }
        _known = (kind, size);
        il.Emit(OpCodes.Ldc_I4, (int)kind);
        il.Emit(OpCodes.Stloc, _fl[FOp]);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Stloc, _fl[FSize]);
        a();
        il.Emit(OpCodes.Stloc, _fl[FA]);
        b();
        il.Emit(OpCodes.Stloc, _fl[FB]);
        il.Emit(OpCodes.Ldloc, _v);
        il.Emit(OpCodes.Stloc, _fl[FR]);
    }

    /// <summary>The flags record's fields, in <see cref="LazyFlags.CondOf"/>'s and CarryOf's order.</summary>
    private void FlagArgs()
    {
        foreach (var local in _fl) il.Emit(OpCodes.Ldloc, local);
    }

    /// <summary>CF (0 or 1) on the stack.</summary>
    private void Carry()
    {
        FlagArgs();
        il.Emit(OpCodes.Call, CarryMethod);
    }

    /// <summary>Condition code cc of the flags, as a bool on the stack.</summary>
    private void Cond(int cc)
    {
        // after a cmp or test in the same piece the record's kind and size are known here: only that case's
        // code goes to the JIT
        if (_known is { Kind: LazyFlags.Sub or LazyFlags.Logic } k)
        {
            il.Emit(OpCodes.Ldc_I4, k.Size);
            if (k.Kind == LazyFlags.Sub)
            {
                il.Emit(OpCodes.Ldloc, _fl[FA]);
                il.Emit(OpCodes.Ldloc, _fl[FB]);
            }
            il.Emit(OpCodes.Ldloc, _fl[FR]);
            il.Emit(OpCodes.Ldloc, _fl[FFlags]);
            il.Emit(OpCodes.Ldc_I4, cc);
            il.Emit(OpCodes.Call, k.Kind == LazyFlags.Sub ? CondAfterSubMethod : CondAfterLogicMethod);
            return;
        }
        FlagArgs();
        il.Emit(OpCodes.Ldc_I4, cc);
        il.Emit(OpCodes.Call, CondMethod);
    }
}

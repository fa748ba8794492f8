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
    /// later instruction replaces it unseen (<see cref="FlagsLive"/>); a pending record when the instruction
    /// allows (<see cref="PendingOk"/>).</summary>
    private void Record(byte kind, int size, Action a, Action b)
    {
        if (!_flagsLive)
        {
            (_known, _pending) = (null, null);
            return;
        }
        _known = (kind, size);
        if (_pendingOk)
        {
            RecordPending(kind, size, a, b);
            return;
        }
        _pending = null;
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

    /// <summary>The record becomes eager: the full RFLAGS on the stack, status bits worked out.</summary>
    private void Eager()
    {
        il.Emit(OpCodes.Stloc, _fl[FFlags]);
        il.Emit(OpCodes.Ldc_I4, (int)LazyFlags.Eager);
        il.Emit(OpCodes.Stloc, _fl[FOp]);
    }

    /// <summary>The record becomes eager with the status bits status() pushes, RFLAGS' other bits kept.</summary>
    private void EagerStatus(Action status)
    {
        il.Emit(OpCodes.Ldloc, _fl[FFlags]);
        il.Emit(OpCodes.Ldc_I8, unchecked((long)~Fl.Status));
        il.Emit(OpCodes.And);
        status();
        il.Emit(OpCodes.Or);
        Eager();
    }

    /// <summary>The flags record's fields, in <see cref="LazyFlags.CondOf"/>'s and CarryOf's order.</summary>
    private void FlagArgs()
    {
        for (int f = 0; f < _fl.Length; f++) FlagField(f);
    }

    /// <summary>CF (0 or 1) on the stack.</summary>
    private void Carry()
    {
        if (_known is { Kind: LazyFlags.CarrySet })
        {
            il.Emit(OpCodes.Ldloc, _fl[FCf]);   // a bit test's CF
            return;
        }
        FlagArgs();
        il.Emit(OpCodes.Call, CarryMethod);
    }

    /// <summary>Condition code cc of the flags, as a bool on the stack.</summary>
    private void Cond(int cc)
    {
        if (_known is { Kind: LazyFlags.CarrySet } && (cc >> 1) == 1)
        {
            // b or ae after a bit test: its bit
            il.Emit(OpCodes.Ldloc, _fl[FCf]);
            il.Emit(OpCodes.Ldc_I8, 0L);
            il.Emit((cc & 1) != 0 ? OpCodes.Ceq : OpCodes.Cgt_Un);
            return;
        }
        // after a cmp or test in the same piece the record's kind and size are known here: only that case's
        // code goes to the JIT
        if (_known is { Kind: LazyFlags.Sub or LazyFlags.Logic } k)
        {
            il.Emit(OpCodes.Ldc_I4, k.Size);
            if (k.Kind == LazyFlags.Sub)
            {
                FlagField(FA);
                FlagField(FB);
            }
            FlagField(FR);
            FlagField(FFlags);
            il.Emit(OpCodes.Ldc_I4, cc);
            il.Emit(OpCodes.Call, k.Kind == LazyFlags.Sub ? CondAfterSubMethod : CondAfterLogicMethod);
            return;
        }
        FlagArgs();
        il.Emit(OpCodes.Ldc_I4, cc);
        il.Emit(OpCodes.Call, CondMethod);
    }

    /// <summary>Branches to taken when condition cc holds. After a cmp or test in the same piece, the common
    /// conditions are one IL compare-and-branch on the record's operands (what <see cref="LazyFlags.CondAfterSub"/>
    /// and CondAfterLogic compute), which the JIT turns into one host cmp and jcc rather than a bool it sets and
    /// tests; the rest through <see cref="Cond"/>.</summary>
    private void CondBranch(int cc, Label taken)
    {
        bool not = (cc & 1) != 0;
        if (_known is { Kind: LazyFlags.CarrySet } && (cc >> 1) == 1)
        {
            il.Emit(OpCodes.Ldloc, _fl[FCf]);
            il.Emit(not ? OpCodes.Brfalse : OpCodes.Brtrue, taken);
            return;
        }
        if (_known is { Kind: LazyFlags.Sub } s && (cc >> 1) is 1 or 2 or 3 or 6 or 7)
        {
            bool signed = (cc >> 1) >= 6;
            RecordOperand(FA, s.Size, signed);
            RecordOperand(FB, s.Size, signed);
            il.Emit((cc >> 1) switch
            {
                1 => not ? OpCodes.Bge_Un : OpCodes.Blt_Un,
                2 => not ? OpCodes.Bne_Un : OpCodes.Beq,
                3 => not ? OpCodes.Bgt_Un : OpCodes.Ble_Un,
                6 => not ? OpCodes.Bge : OpCodes.Blt,
                _ => not ? OpCodes.Bgt : OpCodes.Ble,
            }, taken);
            return;
        }
        if (_known is { Kind: not (LazyFlags.Eager or LazyFlags.CarrySet) } r && (cc >> 1) == 4)
        {
            // s and ns: the result's sign, whatever instruction recorded it (LazyFlags.CondOf's rule; gcc -O0 tests
            // x >= 0 as cmp $0 and jns). The result is kept masked to its size: its sign once sign-extended
            RecordOperand(FR, r.Size, signed: true);
            il.Emit(OpCodes.Ldc_I8, 0L);
            il.Emit(not ? OpCodes.Bge : OpCodes.Blt, taken);
            return;
        }
        if (_known is { Kind: LazyFlags.Logic } l && (cc >> 1) is 0 or 1 or 2 or 6 or 7)
        {
            // OF and CF are clear: o and b never hold, no and ae always; SF alone decides l and ge
            if ((cc >> 1) is 0 or 1)
            {
                if (not) il.Emit(OpCodes.Br, taken);
                return;
            }
            // the result is kept masked to its size: zero or not as it is, its sign only once sign-extended
            RecordOperand(FR, l.Size, signed: (cc >> 1) != 2);
            il.Emit(OpCodes.Ldc_I8, 0L);
            il.Emit((cc >> 1) switch
            {
                2 => not ? OpCodes.Bne_Un : OpCodes.Beq,
                6 => not ? OpCodes.Bge : OpCodes.Blt,
                _ => not ? OpCodes.Bgt : OpCodes.Ble,
            }, taken);
            return;
        }
        Cond(cc);
        il.Emit(OpCodes.Brtrue, taken);
    }

    /// <summary>A record operand (field f, masked to size) on the stack, sign-extended to 64 bits for a signed compare.</summary>
    private void RecordOperand(int f, int size, bool signed)
    {
        FlagField(f);
        if (!signed || size == 8) return;
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, SignExtendMethod);
    }
}

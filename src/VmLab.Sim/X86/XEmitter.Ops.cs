using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// The instructions. What an instruction computes is its definition's (XOps: Alu, Product, ShiftValue, StepFlags,
// LazyFlags.Cond, the CPU's Load and Store with their host-TLB fast path), called here with constant arguments so
// that the JIT inlines and folds them; what the IL adds is only where operands live (a local per register, the
// effective address) and the order x86 requires: everything is read, and may fault, before anything is written,
// the flags last. Anything else, and any form not handled here (high-byte registers, 32-bit addresses, ...), calls
// the instruction's XOps method as the interpreter does, with the registers and flags stored to the CPU around it.
internal sealed partial class XEmitter<TBus>
{
    private const BindingFlags Static = BindingFlags.NonPublic | BindingFlags.Static;
    private static readonly MethodInfo AluMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.AluValue), Static)!;
    private static readonly MethodInfo ProductMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ProductLow), Static)!;
    private static readonly MethodInfo OverflowMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ProductOverflows), Static)!;
    private static readonly MethodInfo ShiftMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.ShiftResult), Static)!;
    private static readonly MethodInfo RotateMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.Rotate), Static)!;
    private static readonly MethodInfo RotateFlagsMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.RotateFlags), Static)!;
    private static readonly MethodInfo WideLowMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.WideLow), Static)!;
    private static readonly MethodInfo WideHighMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.WideHigh), Static)!;
    private static readonly MethodInfo WideOverflowsMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.WideOverflows), Static)!;
    private static readonly MethodInfo DivideMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.DivideValues), Static)!;
    private static readonly FieldInfo QuotientField = typeof(X86Cpu<TBus>).GetField(nameof(X86Cpu<TBus>.Quotient), Any)!;
    private static readonly FieldInfo RemainderField = typeof(X86Cpu<TBus>).GetField(nameof(X86Cpu<TBus>.Remainder), Any)!;

    private static bool IsMem(XForm form) => form is XForm.MR or XForm.MI or XForm.M;

    /// <summary>A shift's or rotate's immediate count as x86 masks it (to 0-63 at 64 bits, 0-31 otherwise).</summary>
    private static int ImmediateCount(in XOp op) => (int)(op.Imm & (op.Size == 8 ? 63 : 31));

    /// <summary>Emits op as IL when its form is one handled here (false, having emitted nothing, otherwise);
    /// a fault branches to fail.</summary>
    private bool Direct(in XOp op, ulong next, Label fail)
    {
        if (!Handled(op)) return false;
        if (OnTheStack(op, next, fail)) return true;   // XEmitter.Alu.cs's forms
        int size = op.Size;
        switch (op.Code)
        {
            case XCode.Nop or XCode.Jmp or XCode.Jcc: break;
            case XCode.Add or XCode.Or or XCode.Adc or XCode.Sbb or XCode.And or XCode.Sub or XCode.Xor or XCode.Cmp or XCode.Test:
            {
                bool write = op.Code is not (XCode.Cmp or XCode.Test);
                Dest(op, next, write ? Access.Write : Access.Read, fail);
                Source(op, next, size, fail);
                il.Emit(OpCodes.Stloc, _b);
                il.Emit(OpCodes.Ldc_I4, (int)op.Code);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Ldloc, _b);
                il.Emit(OpCodes.Ldc_I4, size);
                if (op.Code is XCode.Adc or XCode.Sbb) Carry();
                else il.Emit(OpCodes.Ldc_I8, 0L);
                il.Emit(OpCodes.Call, AluMethod);
                il.Emit(OpCodes.Stloc, _v);
                if (write) WriteDest(op, fail);
                Record(XOps<TBus>.AluKind(op.Code), size, () => Masked(_a, size), () => Masked(_b, size));
                break;
            }
            case XCode.Inc or XCode.Dec:
                Dest(op, next, Access.Write, fail);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Ldc_I8, op.Code == XCode.Inc ? 1L : -1L);
                il.Emit(OpCodes.Add);
                Mask(size);
                il.Emit(OpCodes.Stloc, _v);
                WriteDest(op, fail);
                if (_flagsLive)
                {
                    Carry();   // inc and dec keep CF
                    il.Emit(OpCodes.Stloc, _fl[FCf]);
                }
                Record(op.Code == XCode.Inc ? LazyFlags.Inc : LazyFlags.Dec, size, () => il.Emit(OpCodes.Ldloc, _a), () => il.Emit(OpCodes.Ldc_I8, 1L));
                break;
            case XCode.Neg:
                Dest(op, next, Access.Write, fail);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Neg);
                Mask(size);
                il.Emit(OpCodes.Stloc, _v);
                WriteDest(op, fail);
                Record(LazyFlags.Sub, size, () => il.Emit(OpCodes.Ldc_I8, 0L), () => il.Emit(OpCodes.Ldloc, _a));
                break;
            case XCode.Rol or XCode.Ror when op.CountInCl:
                Shift(op, next, fail);
                break;
            case XCode.Rol or XCode.Ror:
                Dest(op, next, Access.Write, fail);
                il.Emit(OpCodes.Ldc_I4, (int)op.Code);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Ldc_I4, ImmediateCount(op));
                il.Emit(OpCodes.Ldc_I4, size);
                il.Emit(OpCodes.Call, RotateMethod);
                il.Emit(OpCodes.Stloc, _v);
                WriteDest(op, fail);
                _known = null;
                // seen only by the exits after it (gcc -O0's `rolq $31, -16(%rbp)` before a load that may fault):
                // worked out there, as a register's rotate does, not at every pass
                if (_flagsLive) RotatePending(op.Code, size);
                break;
            case XCode.Bt or XCode.Bts or XCode.Btr or XCode.Btc:
                BitTest(op, next, fail);
                break;
            case XCode.Bsf or XCode.Bsr or XCode.Tzcnt or XCode.Lzcnt or XCode.Popcnt:
                BitScan(op, next, fail);
                break;
            case XCode.Bswap:
                Bswap(op);
                break;
            case XCode.Xchg:
                Xchg(op, next, fail);
                break;
            case XCode.Xadd:
                Xadd(op, next, fail);
                break;
            case XCode.Cmpxchg:
                Cmpxchg(op, next, fail);
                break;
            case XCode.Leave:
                LeaveFrame(fail);
                break;
            case XCode.Movs or XCode.Stos:
                MoveString(op, fail);
                break;
            case XCode.Mul or XCode.Imul1:
            {
                bool signed = op.Code == XCode.Imul1;
                Operand(op, next, fail);
                il.Emit(OpCodes.Stloc, _b);
                GetReg(0, size);
                il.Emit(OpCodes.Stloc, _a);
                il.Emit(OpCodes.Ldc_I4, size);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Ldloc, _b);
                il.Emit(OpCodes.Call, WideLowMethod);
                il.Emit(OpCodes.Stloc, _v);
                il.Emit(OpCodes.Ldc_I4, signed ? 1 : 0);
                il.Emit(OpCodes.Ldc_I4, size);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Ldloc, _b);
                il.Emit(OpCodes.Call, WideHighMethod);
                il.Emit(OpCodes.Stloc, _t);
                if (_flagsLive)
                {
                    il.Emit(OpCodes.Ldc_I4, signed ? 1 : 0);
                    il.Emit(OpCodes.Ldc_I4, size);
                    il.Emit(OpCodes.Ldloc, _v);
                    il.Emit(OpCodes.Ldloc, _t);
                    il.Emit(OpCodes.Call, WideOverflowsMethod);
                    il.Emit(OpCodes.Conv_U8);
                    il.Emit(OpCodes.Stloc, _fl[FCf]);   // CF = OF = the product needs its high half
                }
                il.Emit(OpCodes.Ldloc, _v);
                SetReg(0, size);
                il.Emit(OpCodes.Ldloc, _t);
                SetReg(2, size);
                Record(LazyFlags.Mul, size, () => il.Emit(OpCodes.Ldc_I8, 0L), () => il.Emit(OpCodes.Ldloc, _fl[FCf]));   // OF
                break;
            }
            case XCode.Div or XCode.Idiv:
                // the dividend rdx:rax (dx:ax, edx:eax) by the operand; #DE leaves everything as it was, and
                // the flags are never changed (undefined after a division: the interpreter leaves them too)
            {
                Label general = il.DefineLabel(), done = il.DefineLabel();
                Operand(op, next, fail);
                il.Emit(OpCodes.Stloc, _b);
                if (size >= 4) QuickDivide(op.Code == XCode.Idiv, size, general, done);
                il.MarkLabel(general);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldc_I4, op.Code == XCode.Idiv ? 1 : 0);
                il.Emit(OpCodes.Ldc_I4, size);
                GetReg(2, size);
                GetReg(0, size);
                il.Emit(OpCodes.Ldloc, _b);
                il.Emit(OpCodes.Ldc_I8, (long)(next - op.Len));
                il.Emit(OpCodes.Call, DivideMethod);
                il.Emit(OpCodes.Brfalse, fail);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, QuotientField);
                SetReg(0, size);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, RemainderField);
                SetReg(2, size);
                il.MarkLabel(done);
                break;
            }
            case XCode.ExtendAcc:   // cbw cwde cdqe
                il.Emit(OpCodes.Ldloc, _r[0]);
                SignExtend(size / 2);
                SetReg(0, size);
                break;
            case XCode.ExtendAccToDx:   // cwd cdq cqo: the accumulator's sign everywhere
                il.Emit(OpCodes.Ldloc, _r[0]);
                SignExtend(size);
                il.Emit(OpCodes.Ldc_I4, 63);
                il.Emit(OpCodes.Shr);
                SetReg(2, size);
                break;
            case XCode.JmpInd or XCode.CallInd:
                Operand(op, next, fail);
                il.Emit(OpCodes.Stloc, _b);
                CanonicalTarget(_b, fail);
                if (op.Code == XCode.CallInd)
                {
                    il.Emit(OpCodes.Ldc_I8, (long)next);
                    il.Emit(OpCodes.Stloc, _v);
                    PushV(8, fail);
                }
                il.Emit(OpCodes.Ldloc, _b);
                il.Emit(OpCodes.Stloc, _next);
                break;
            case XCode.Not:
                Dest(op, next, Access.Write, fail);
                il.Emit(OpCodes.Ldloc, _a);
                il.Emit(OpCodes.Not);
                Mask(size);
                il.Emit(OpCodes.Stloc, _v);
                WriteDest(op, fail);
                break;
            case XCode.Shl or XCode.Shr or XCode.Sar:
                Shift(op, next, fail);
                break;
            case XCode.Shld or XCode.Shrd:
                ShiftDouble(op, next, fail);
                break;
            case XCode.Mov:
                if (IsMem(op.Form))
                {
                    Source(op, next, size, fail);
                    il.Emit(OpCodes.Stloc, _v);
                    Ea(op, next);
                    il.Emit(OpCodes.Stloc, _ea);
                    Store(size, fail, last: true);
                }
                else SetReg(op.Dst, size, Source(op, next, size, fail));
                break;
            case XCode.Movzx or XCode.Movsx:
                Source(op, next, op.SrcSize, fail);
                if (op.Code == XCode.Movsx) SignExtend(op.SrcSize);
                SetReg(op.Dst, size, narrow: op.Code == XCode.Movzx);   // a byte or word, zero-extended
                break;
            case XCode.Lea:
                Ea(op, next);
                SetReg(op.Dst, size);
                break;
            case XCode.Imul2 or XCode.Imul3:
                Source(op, next, size, fail, imm: false);
                il.Emit(OpCodes.Stloc, _b);
                if (op.Code == XCode.Imul3) il.Emit(OpCodes.Ldc_I8, (long)((ulong)op.Imm & LazyFlags.Mask(size)));
                else GetReg(op.Dst, size);
                il.Emit(OpCodes.Stloc, _a);
                foreach (var m in (ReadOnlySpan<MethodInfo>)[ProductMethod, OverflowMethod])
                {
                    if (m == OverflowMethod && !_flagsLive) break;   // the overflow only matters to the flags
                    il.Emit(OpCodes.Ldc_I4, size);
                    il.Emit(OpCodes.Ldloc, _a);
                    il.Emit(OpCodes.Ldloc, _b);
                    il.Emit(OpCodes.Call, m);
                    if (m == ProductMethod) il.Emit(OpCodes.Stloc, _v);
                    else
                    {
                        il.Emit(OpCodes.Conv_U8);   // CF = OF = the product did not fit
                        il.Emit(OpCodes.Stloc, _fl[FCf]);
                    }
                }
                Record(LazyFlags.Mul, size, () => il.Emit(OpCodes.Ldc_I8, 0L), () => il.Emit(OpCodes.Ldloc, _fl[FCf]));   // OF
                il.Emit(OpCodes.Ldloc, _v);
                SetReg(op.Dst, size);
                break;
            case XCode.Cmovcc:
            {
                Label keep = il.DefineLabel(), set = il.DefineLabel();
                Source(op, next, size, fail);
                il.Emit(OpCodes.Stloc, _v);
                Cond(op.Cond);
                il.Emit(OpCodes.Brfalse, keep);
                il.Emit(OpCodes.Ldloc, _v);
                il.Emit(OpCodes.Br, set);
                il.MarkLabel(keep);
                GetReg(op.Dst, size);   // a 32-bit destination is zero-extended even when nothing moves
                il.MarkLabel(set);
                SetReg(op.Dst, size);
                break;
            }
            case XCode.Setcc when op.Form == XForm.M:
                SetccMemory(op, next, fail);
                break;
            case XCode.Setcc:
                Cond(op.Cond);
                il.Emit(OpCodes.Conv_U8);
                SetReg(op.Dst, 1);
                break;
            case XCode.Push:
                if (op.Form == XForm.I) il.Emit(OpCodes.Ldc_I8, op.Imm);
                else GetReg(op.Dst, size);
                il.Emit(OpCodes.Stloc, _v);
                PushV(size, fail);
                break;
            case XCode.Pop:
                il.Emit(OpCodes.Ldloc, _r[4]);
                Load(size, Access.Read, fail);
                il.Emit(OpCodes.Ldloc, _r[4]);
                il.Emit(OpCodes.Ldc_I8, (long)size);
                il.Emit(OpCodes.Add);
                StoreReg(4);
                il.Emit(OpCodes.Ldloc, _t);
                SetReg(op.Dst, size);   // pop rsp: the value popped, after the increment
                break;
            case XCode.Call:
                il.Emit(OpCodes.Ldc_I8, (long)next);
                il.Emit(OpCodes.Stloc, _v);
                PushV(8, fail);
                break;
            case XCode.Ret:
                il.Emit(OpCodes.Ldloc, _r[4]);
                Load(8, Access.Read, fail);
                CanonicalTarget(_t, fail);
                il.Emit(OpCodes.Ldloc, _r[4]);
                il.Emit(OpCodes.Ldc_I8, 8 + op.Imm);
                il.Emit(OpCodes.Add);
                StoreReg(4);
                il.Emit(OpCodes.Ldloc, _t);
                il.Emit(OpCodes.Stloc, _next);
                break;
            default: throw new InvalidOperationException($"{op.Code} is not emitted directly");
        }
        return true;
    }

    /// <summary>Pushes _v's low size bytes (push, and call's return address): rsp moves only once the store
    /// succeeded, so a fault leaves it as the instruction found it.</summary>
    private void PushV(int size, Label fail)
    {
        il.Emit(OpCodes.Ldloc, _r[4]);
        il.Emit(OpCodes.Ldc_I8, (long)size);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Stloc, _ea);
        Store(size, fail, last: _op.Code != XCode.CallInd, tail: () =>
        {
            il.Emit(OpCodes.Ldloc, _ea);
            StoreReg(4);
        });
    }

    /// <summary>Whether the emitted form checks for a store into code itself, on its store's slow path (a store
    /// that is its last effect: mov to memory, push, call; call-indirect still sets its target after).</summary>
    private static bool ChecksOwnStore(in XOp op) => Handled(op)
        && (op.Code == XCode.Mov && IsMem(op.Form) || op.Code is XCode.Push or XCode.Call);

    /// <summary>The forms <see cref="Direct"/> emits: 64-bit addresses, shifts by an immediate count of 1 to width - 1 at 32 or 64 bits.</summary>
    private static bool Handled(in XOp op)
    {
        if (op.Addr32 && (IsMem(op.Form) || op.Form == XForm.RM || op.Code == XCode.Lea)) return false;
        bool regOrMem = op.Form is XForm.R or XForm.M;
        bool twoOperand = op.Form is XForm.RR or XForm.RI or XForm.RM or XForm.MR or XForm.MI;
        return op.Code switch
        {
            XCode.Nop or XCode.Jmp or XCode.Jcc or XCode.Call => true,
            XCode.Ret => true,
            XCode.Add or XCode.Or or XCode.Adc or XCode.Sbb or XCode.And or XCode.Sub or XCode.Xor or XCode.Cmp or XCode.Test => twoOperand,
            XCode.Inc or XCode.Dec or XCode.Not or XCode.Neg => regOrMem,
            XCode.Rol or XCode.Ror => regOrMem && (op.CountInCl || ImmediateCount(op) != 0),
            XCode.Mul or XCode.Imul1 => regOrMem && op.Size >= 2,
            XCode.Div or XCode.Idiv => regOrMem && op.Size >= 2,
            XCode.Bt or XCode.Bts or XCode.Btr or XCode.Btc => op.Form is XForm.RR or XForm.RI or XForm.MR or XForm.MI,
            XCode.Bsf or XCode.Bsr or XCode.Tzcnt or XCode.Lzcnt or XCode.Popcnt => op.Form is XForm.RR or XForm.RM,
            XCode.Bswap => op.Form == XForm.R,
            XCode.ExtendAcc or XCode.ExtendAccToDx => true,
            XCode.JmpInd or XCode.CallInd => regOrMem && op.Size == 8,
            XCode.Shl or XCode.Shr or XCode.Sar => regOrMem && (op.CountInCl || ImmediateCount(op) != 0),
            XCode.Mov => twoOperand,
            XCode.Movzx or XCode.Movsx => op.Form is XForm.RR or XForm.RM,
            XCode.Lea => true,
            XCode.Imul2 or XCode.Imul3 => op.Form is XForm.RR or XForm.RM,
            XCode.Cmovcc => op.Form is XForm.RR or XForm.RM,
            XCode.Setcc => op.Form is XForm.R or XForm.M,
            XCode.Xchg or XCode.Xadd or XCode.Cmpxchg => op.Form is XForm.RR or XForm.MR,
            XCode.Leave => true,
            XCode.Shld or XCode.Shrd => op.Form is XForm.RR or XForm.MR && op.Size >= 2,
            XCode.Movs or XCode.Stos => !op.Addr32,
            XCode.Push => op.Form is XForm.R or XForm.I,
            XCode.Pop => op.Form == XForm.R,
            _ => false,
        };
    }
}

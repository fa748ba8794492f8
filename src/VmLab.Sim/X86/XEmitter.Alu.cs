using System.Reflection.Emit;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// The ALU, unary and imul forms whose destination is a register (and the ALU forms into memory), computed on the
// IL stack from the register locals instead of through the shared scratch locals (_a, _b): one local with
// hundreds of definitions across a region is what the JIT's register allocator handles worst, and the values are
// still in the register locals when the flags record is written. A register cannot fault, so the record is
// written before the register (its operands are then the register's old value, read again); _v holds the result
// only when the record is written (it reads it there). What is computed is the definition's (XOps.AluValue,
// ProductLow), with each mask only where it can change the result: the operands of a sum, a difference, a
// product or a bitwise operation are masked once, in the result, and not at all where they are known to be
// below 2^32 already (XEmitter.Narrow.cs).
internal sealed partial class XEmitter<TBus>
{
    /// <summary>The forms emitted here and in XEmitter.Shifts.cs without the scratch locals; false, having
    /// emitted nothing, for the others (the general forms in XEmitter.Ops.cs).</summary>
    private bool OnTheStack(in XOp op, ulong next, Label fail) => op.Code switch
    {
        XCode.Add or XCode.Or or XCode.And or XCode.Sub or XCode.Xor or XCode.Cmp or XCode.Test =>
            AluToRegister(op, next, fail) || AluToMemory(op, next, fail),
        XCode.Inc or XCode.Dec or XCode.Neg or XCode.Not => UnaryToRegister(op),
        XCode.Shl or XCode.Shr or XCode.Sar => ShiftRegisterByImmediate(op),
        XCode.Rol or XCode.Ror => RotateRegisterByImmediate(op),
        XCode.Imul2 or XCode.Imul3 => ProductToRegister(op, next, fail),
        _ => false,
    };

    /// <summary>add, or, and, sub, xor, cmp, test into a register from a register, an immediate or memory (read
    /// first, into _t: the slow path takes nothing on the stack); false, having emitted nothing, for other forms.</summary>
    private bool AluToRegister(in XOp op, ulong next, Label fail)
    {
        if (op.Form is not (XForm.RR or XForm.RI or XForm.RM) || op.Dst >= 16 || op.Form == XForm.RR && op.Src >= 16
            || op.Code is XCode.Adc or XCode.Sbb)
            return false;
        int size = op.Size;
        bool write = op.Code is not (XCode.Cmp or XCode.Test);
        byte kind = XOps<TBus>.AluKind(op.Code);
        XOp o = op;
        Action source;
        if (op.Form == XForm.RM)
        {
            Source(op, next, size, fail);   // the load (may fault); its value stays in _t
            il.Emit(OpCodes.Pop);
            source = () => il.Emit(OpCodes.Ldloc, _t);
        }
        else source = () => Source(o, next, size, fail);
        if (!write && !_flagsLive)
        {
            Record(kind, size, () => { }, () => { });   // nothing to emit: the record is replaced unseen
            return true;
        }
        bool narrow;
        if (op.Form == XForm.RR && op.Src == op.Dst && op.Code is XCode.Xor or XCode.Sub && !_flagsLive)
        {
            il.Emit(OpCodes.Ldc_I8, 0L);   // xor eax, eax
            narrow = true;
        }
        else
        {
            // the operands as they are (the result's mask covers them), an immediate or a load at size
            bool a = Raw(op.Dst, size), b;
            switch (op.Form)
            {
                case XForm.RR: b = Raw(op.Src, size); break;
                case XForm.RI when op.Code is XCode.And or XCode.Test && size == 4 && a:
                    il.Emit(OpCodes.Ldc_I8, (long)(int)op.Imm);   // the same and, as an immediate the host encodes
                    b = true;
                    break;
                case XForm.RI:
                    b = Source(op, next, size, fail);
                    break;
                default:
                    il.Emit(OpCodes.Ldloc, _t);   // loaded at size
                    b = size <= 4;
                    break;
            }
            il.Emit(AluOpcode(op.Code));
            narrow = op.Code switch
            {
                XCode.And or XCode.Test => a || b,
                XCode.Or or XCode.Xor => a && b,
                _ => false,
            };
            narrow = Result(size, narrow);
        }
        if (_flagsLive)
        {
            il.Emit(OpCodes.Stloc, _v);
            Record(kind, size, () => GetReg(o.Dst, size), source);
            if (!write) return true;
            il.Emit(OpCodes.Ldloc, _v);
        }
        else Record(kind, size, () => { }, () => { });
        SetReg(op.Dst, size, narrow);
        return true;
    }

    /// <summary>add, or, and, sub, xor, cmp, test into memory from a register or an immediate: the destination
    /// loaded into _t (with write permission when it is written), the result computed from it on the stack into
    /// _v, stored (may fault), then the record. Only a record written after a store keeps the loaded value in
    /// _a: the store's slow path is another file's, and _t is its scratch. False for other forms.</summary>
    private bool AluToMemory(in XOp op, ulong next, Label fail)
    {
        if (op.Form is not (XForm.MR or XForm.MI) || op.Form == XForm.MR && op.Src >= 16 || op.Code is XCode.Adc or XCode.Sbb)
            return false;
        int size = op.Size;
        bool write = op.Code is not (XCode.Cmp or XCode.Test);
        byte kind = XOps<TBus>.AluKind(op.Code);
        XOp o = op;
        Ea(op, next);
        il.Emit(OpCodes.Stloc, _ea);
        il.Emit(OpCodes.Ldloc, _ea);
        Load(size, write ? Access.Write : Access.Read, fail);
        if (!write && !_flagsLive)
        {
            Record(kind, size, () => { }, () => { });   // the load may fault; nothing else is seen
            return true;
        }
        il.Emit(OpCodes.Ldloc, _t);
        if (op.Form == XForm.MR) Raw(op.Src, size);
        else Source(op, next, size, fail);
        il.Emit(AluOpcode(op.Code));
        if (size < 8) Mask(size);   // the loaded operand is within size: a bitwise result is too, cheaply masked again
        il.Emit(OpCodes.Stloc, _v);
        LocalBuilder a = _t;
        if (write)
        {
            if (_flagsLive)
            {
                il.Emit(OpCodes.Ldloc, _t);
                il.Emit(OpCodes.Stloc, _a);
                a = _a;
            }
            Store(size, fail);
        }
        Record(kind, size, () => il.Emit(OpCodes.Ldloc, a), () => Source(o, next, size, fail));
        return true;
    }

    /// <summary>Register reg (0-15) as the local holds it, for an operation whose result is masked to size
    /// after (<see cref="Result"/>); whether it is below 2^32.</summary>
    private bool Raw(int reg, int size)
    {
        il.Emit(OpCodes.Ldloc, _r[reg]);
        return size == 8 ? IsNarrow(reg) : size == 4 && IsNarrow(reg);
    }

    /// <summary>The value on the stack masked to size, unless a 32-bit one is known to be below 2^32; whether
    /// the result is.</summary>
    private bool Result(int size, bool narrow)
    {
        if (size < 8 && !(size == 4 && narrow)) Mask(size);
        return size < 8 || narrow;
    }

    /// <summary>inc, dec, neg and not of a register; false for a memory operand.</summary>
    private bool UnaryToRegister(in XOp op)
    {
        if (op.Form != XForm.R || op.Dst >= 16) return false;
        int size = op.Size, dst = op.Dst;
        Raw(dst, size);
        switch (op.Code)
        {
            case XCode.Inc or XCode.Dec:
                il.Emit(OpCodes.Ldc_I8, 1L);
                il.Emit(op.Code == XCode.Inc ? OpCodes.Add : OpCodes.Sub);
                break;
            case XCode.Neg: il.Emit(OpCodes.Neg); break;
            default: il.Emit(OpCodes.Not); break;
        }
        bool narrow = Result(size, false);
        if (op.Code == XCode.Not || !_flagsLive)
        {
            SetReg(dst, size, narrow);
            if (op.Code != XCode.Not) Record(0, size, () => { }, () => { });   // nothing emitted: replaced unseen
            return true;
        }
        il.Emit(OpCodes.Stloc, _v);
        if (op.Code == XCode.Neg)
            Record(LazyFlags.Sub, size, () => il.Emit(OpCodes.Ldc_I8, 0L), () => GetReg(dst, size));
        else
        {
            Carry();   // inc and dec keep CF
            il.Emit(OpCodes.Stloc, _fl[FCf]);
            Record(op.Code == XCode.Inc ? LazyFlags.Inc : LazyFlags.Dec, size, () => GetReg(dst, size), () => il.Emit(OpCodes.Ldc_I8, 1L));
        }
        il.Emit(OpCodes.Ldloc, _v);
        SetReg(dst, size, narrow);
        return true;
    }

    /// <summary>imul r, r/m and imul r, r/m, imm: the product's low bytes on the stack from the operands as they
    /// are (they do not depend on the bits above size, which ProductLow's sign extension changes), masked once;
    /// the overflow from the masked operands only when the flags are seen. False for other forms.</summary>
    private bool ProductToRegister(in XOp op, ulong next, Label fail)
    {
        if (op.Form is not (XForm.RR or XForm.RM) || op.Dst >= 16 || op.Form == XForm.RR && op.Src >= 16) return false;
        int size = op.Size, dst = op.Dst;
        XOp o = op;
        Action a = op.Code == XCode.Imul3
            ? () => il.Emit(OpCodes.Ldc_I8, (long)((ulong)o.Imm & LazyFlags.Mask(size)))
            : () => GetReg(dst, size);
        Action b;
        if (op.Form == XForm.RM)
        {
            Source(op, next, size, fail, imm: false);   // the load (may fault) into _t
            il.Emit(OpCodes.Pop);
            b = () => il.Emit(OpCodes.Ldloc, _t);
        }
        else b = () => GetReg(o.Src, size);
        if (op.Code == XCode.Imul3) a();
        else Raw(dst, size);
        if (op.Form == XForm.RM) b();
        else Raw(op.Src, size);
        il.Emit(OpCodes.Mul);
        bool narrow = Result(size, false);
        if (_flagsLive)
        {
            il.Emit(OpCodes.Stloc, _v);
            il.Emit(OpCodes.Ldc_I4, size);
            a();
            b();
            il.Emit(OpCodes.Call, OverflowMethod);
            il.Emit(OpCodes.Conv_U8);   // CF = OF = the product did not fit
            il.Emit(OpCodes.Stloc, _fl[FCf]);
            il.Emit(OpCodes.Ldloc, _v);
        }
        Record(LazyFlags.Mul, size, () => il.Emit(OpCodes.Ldc_I8, 0L), () => il.Emit(OpCodes.Ldloc, _fl[FCf]));   // OF
        SetReg(dst, size, narrow);
        return true;
    }

    /// <summary>The low size bytes of the value on the stack, sign-extended to 64 bits (what LazyFlags.SignExtend
    /// computes, as the conversions the JIT makes one movsx of).</summary>
    private void SignExtend(int size)
    {
        if (size == 8) return;
        il.Emit(size == 4 ? OpCodes.Conv_I4 : size == 2 ? OpCodes.Conv_I2 : OpCodes.Conv_I1);
        il.Emit(OpCodes.Conv_I8);
    }

    /// <summary>The IL operation of add, sub/cmp, and/test, or or xor on two values.</summary>
    private static OpCode AluOpcode(XCode code) => code switch
    {
        XCode.Add => OpCodes.Add,
        XCode.Sub or XCode.Cmp => OpCodes.Sub,
        XCode.And or XCode.Test => OpCodes.And,
        XCode.Or => OpCodes.Or,
        _ => OpCodes.Xor,
    };
}

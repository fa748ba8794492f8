using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// Where an instruction's operands live: a local per guest register (sized and masked as x86 reads and writes
// them), and memory through the effective address (XEmitter.Memory.cs reads and writes it).
internal sealed partial class XEmitter<TBus>
{

    /// <summary>The destination (first operand) into _a; in memory, its address in _ea first.</summary>
    private void Dest(in XOp op, ulong next, Access access, Label fail)
    {
        if (IsMem(op.Form))
        {
            Ea(op, next);
            il.Emit(OpCodes.Stloc, _ea);
            il.Emit(OpCodes.Ldloc, _ea);
            Load(op.Size, access, fail);
            il.Emit(OpCodes.Ldloc, _t);
        }
        else GetReg(op.Dst, op.Size);
        il.Emit(OpCodes.Stloc, _a);
    }

    /// <summary>The operand of a one-operand form (register or memory) on the stack.</summary>
    private void Operand(in XOp op, ulong next, Label fail)
    {
        if (op.Form == XForm.R)
        {
            GetReg(op.Dst, op.Size);
            return;
        }
        Ea(op, next);
        Load(op.Size, Access.Read, fail);
        il.Emit(OpCodes.Ldloc, _t);
    }

    /// <summary>The source of a two-operand form (register, immediate or memory) at size, on the stack; whether
    /// it is below 2^32 (<see cref="SourceNarrow"/>).</summary>
    private bool Source(in XOp op, ulong next, int size, Label fail, bool imm = true)
    {
        switch (op.Form)
        {
            case XForm.RR or XForm.MR: return GetReg(op.Src, size);
            case XForm.RI or XForm.MI or XForm.I when imm: il.Emit(OpCodes.Ldc_I8, (long)((ulong)op.Imm & LazyFlags.Mask(size))); break;
            default:
                Ea(op, next);
                Load(size, Access.Read, fail);
                il.Emit(OpCodes.Ldloc, _t);
                break;
        }
        return SourceNarrow(op, size, imm);
    }

    /// <summary>Whether <see cref="Source"/> pushes a value below 2^32: anything read at 4 bytes or less, a
    /// 64-bit register the piece knows is, an immediate that is.</summary>
    private bool SourceNarrow(in XOp op, int size, bool imm = true) => size <= 4 || op.Form switch
    {
        XForm.RR or XForm.MR => op.Src < 16 && IsNarrow(op.Src),
        XForm.RI or XForm.MI or XForm.I when imm => (ulong)op.Imm <= uint.MaxValue,
        _ => false,
    };

    /// <summary>_v into the destination: memory at _ea (may fault), or the register.</summary>
    private void WriteDest(in XOp op, Label fail)
    {
        if (IsMem(op.Form))
        {
            Store(op.Size, fail);
            return;
        }
        il.Emit(OpCodes.Ldloc, _v);
        SetReg(op.Dst, op.Size);
    }

    /// <summary>The effective address (base + index * 2^scale + displacement; rip-relative from next).</summary>
    private void Ea(in XOp op, ulong next)
    {
        long disp = op.Base == XOp.RipReg ? op.Disp + (long)next : op.Disp;
        il.Emit(OpCodes.Ldc_I8, disp);
        if (op.Base < 16)
        {
            il.Emit(OpCodes.Ldloc, _r[op.Base]);
            il.Emit(OpCodes.Add);
        }
        if (op.Index < 16)
        {
            il.Emit(OpCodes.Ldloc, _r[op.Index]);
            if (op.Scale > 0)
            {
                il.Emit(OpCodes.Ldc_I4, (int)op.Scale);
                il.Emit(OpCodes.Shl);
            }
            il.Emit(OpCodes.Add);
        }
    }

    /// <summary>Register reg at size bytes; reg 16-19 is ah, ch, dh or bh: bits 8-15 of rax..rbx. Whether the
    /// value pushed is below 2^32: a 32-bit read of a register the piece last wrote zero-extended is the local
    /// as it is, without the mask the JIT would turn into a register move.</summary>
    private bool GetReg(int reg, int size)
    {
        if (reg >= 16)
        {
            il.Emit(OpCodes.Ldloc, _r[reg - 16]);
            il.Emit(OpCodes.Ldc_I4_8);
            il.Emit(OpCodes.Shr_Un);
            Mask(1);
            return true;
        }
        il.Emit(OpCodes.Ldloc, _r[reg]);
        if (size == 4 && IsNarrow(reg)) return true;
        Mask(size);
        return size <= 4 || IsNarrow(reg);
    }

    /// <summary>The value on the stack into a register, as x86-64 writes: 32-bit results zero-extend, 8- and
    /// 16-bit ones merge. narrow: the value is known to be below 2^32 (then a 32-bit write needs no mask, and
    /// the register is known narrow after a 64-bit one).</summary>
    private void SetReg(int reg, int size, bool narrow = false)
    {
        if (reg >= 16)
        {
            // ah..bh: the byte into bits 8-15, the rest of the register kept (and so whether it is narrow)
            Mask(1);
            il.Emit(OpCodes.Ldc_I4_8);
            il.Emit(OpCodes.Shl);
            il.Emit(OpCodes.Ldloc, _r[reg - 16]);
            il.Emit(OpCodes.Ldc_I8, ~0xFF00L);
            il.Emit(OpCodes.And);
            il.Emit(OpCodes.Or);
            il.Emit(OpCodes.Stloc, _r[reg - 16]);
            return;
        }
        if (size == 8)
        {
            StoreReg(reg, narrow);
            return;
        }
        if (size == 4)
        {
            if (!narrow)
            {
                il.Emit(OpCodes.Conv_U4);
                il.Emit(OpCodes.Conv_U8);
            }
            StoreReg(reg, narrow: true);
            return;
        }
        // 8- and 16-bit writes keep bits 16-63: the register stays as narrow as it was
        Mask(size);
        il.Emit(OpCodes.Ldloc, _r[reg]);
        il.Emit(OpCodes.Ldc_I8, (long)~LazyFlags.Mask(size));
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Or);
        il.Emit(OpCodes.Stloc, _r[reg]);
    }

    private void Mask(int size)
    {
        if (size == 8) return;
        il.Emit(size == 4 ? OpCodes.Conv_U4 : size == 2 ? OpCodes.Conv_U2 : OpCodes.Conv_U1);
        il.Emit(OpCodes.Conv_U8);
    }

    private void Masked(LocalBuilder value, int size)
    {
        il.Emit(OpCodes.Ldloc, value);
        Mask(size);
    }
}

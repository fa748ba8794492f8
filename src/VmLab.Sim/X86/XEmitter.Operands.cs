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

    /// <summary>The source of a two-operand form (register, immediate or memory) at size, on the stack.</summary>
    private void Source(in XOp op, ulong next, int size, Label fail, bool imm = true)
    {
        switch (op.Form)
        {
            case XForm.RR or XForm.MR: GetReg(op.Src, size); break;
            case XForm.RI or XForm.MI or XForm.I when imm: il.Emit(OpCodes.Ldc_I8, (long)((ulong)op.Imm & LazyFlags.Mask(size))); break;
            default:
                Ea(op, next);
                Load(size, Access.Read, fail);
                il.Emit(OpCodes.Ldloc, _t);
                break;
        }
    }

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

    /// <summary>Register reg at size bytes; reg 16-19 is ah, ch, dh or bh: bits 8-15 of rax..rbx.</summary>
    private void GetReg(int reg, int size)
    {
        if (reg >= 16)
        {
            il.Emit(OpCodes.Ldloc, _r[reg - 16]);
            il.Emit(OpCodes.Ldc_I4_8);
            il.Emit(OpCodes.Shr_Un);
            Mask(1);
            return;
        }
        il.Emit(OpCodes.Ldloc, _r[reg]);
        Mask(size);
    }

    /// <summary>The value on the stack into a register, as x86-64 writes: 32-bit results zero-extend, 8- and
    /// 16-bit ones merge.</summary>
    private void SetReg(int reg, int size)
    {
        if (reg >= 16)
        {
            // ah..bh: the byte into bits 8-15, the rest of the register kept
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
            il.Emit(OpCodes.Stloc, _r[reg]);
            return;
        }
        if (size == 4)
        {
            il.Emit(OpCodes.Conv_U4);
            il.Emit(OpCodes.Conv_U8);
            il.Emit(OpCodes.Stloc, _r[reg]);
            return;
        }
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

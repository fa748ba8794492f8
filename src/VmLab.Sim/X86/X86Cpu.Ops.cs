using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    /// <summary>Everything without a fast path in the loop. False = fault (LastFault set, nothing changed).</summary>
    private bool Execute(ref XOp op, ulong next)
    {
        switch (op.Kind)
        {
            case XKind.Alu: return AluGeneric(ref op, next);
            case XKind.Mov:
            {
                if (!Source(ref op, next, op.Size, out ulong v)) return false;
                return WriteDest(ref op, DestIsMemory(ref op) ? Ea(ref op, next) : 0, v);
            }
            case XKind.Movzx or XKind.Movsx:
            {
                if (!Source(ref op, next, op.SrcSize, out ulong v)) return false;
                if (op.Kind == XKind.Movsx) v = (ulong)SignExtend(v, op.SrcSize);
                WriteReg(op.Dst, op.Size, v);
                return true;
            }
            case XKind.Unary: return Unary(ref op, next);
            case XKind.Shift: return Shift(ref op, next);
            case XKind.ShiftD: return ShiftDouble(ref op, next);
            case XKind.Mul1: return Multiply(ref op, next);
            case XKind.Imul2: return Imul(ref op, next);
            case XKind.Div: return Divide(ref op, next);
            case XKind.Setcc:
            {
                ulong v = Cond(op.Cond) ? 1UL : 0;
                return WriteDest(ref op, DestIsMemory(ref op) ? Ea(ref op, next) : 0, v);
            }
            case XKind.Cmovcc:
            {
                // the source is read (and may fault) whatever the condition; a 32-bit destination is
                // zero-extended even when nothing moves
                if (!Source(ref op, next, op.Size, out ulong v)) return false;
                WriteReg(op.Dst, op.Size, Cond(op.Cond) ? v : ReadReg(op.Dst, op.Size));
                return true;
            }
            case XKind.Leave:
            {
                ulong rbp = _regs[Reg.Rbp];
                if (!Load(rbp, 8, out ulong saved)) return false;
                _regs[Reg.Rsp] = rbp + 8;
                _regs[Reg.Rbp] = saved;
                return true;
            }
            case XKind.Enter:
            {
                ulong rsp = _regs[Reg.Rsp] - 8;
                if (!Store(rsp, 8, _regs[Reg.Rbp])) return false;
                _regs[Reg.Rbp] = rsp;
                _regs[Reg.Rsp] = rsp - (ulong)op.Imm;
                return true;
            }
            case XKind.Convert:
                WriteReg(0, op.Size, (ulong)SignExtend(_regs[Reg.Rax], op.Size / 2));
                return true;
            case XKind.ConvertD:
                WriteReg(2, op.Size, SignExtend(_regs[Reg.Rax], op.Size) < 0 ? ulong.MaxValue : 0);
                return true;
            case XKind.Bt: return BitTest(ref op, next);
            case XKind.BitScan: return BitScan(ref op, next);
            case XKind.Bswap:
            {
                ulong v = ReadReg(op.Dst, op.Size);
                WriteReg(op.Dst, op.Size, op.Size == 8 ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v)
                    : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)v));
                return true;
            }
            case XKind.Xchg:
            {
                if (!Dest(ref op, next, out ulong a, out ulong ea)) return false;
                ulong b = ReadReg(op.Src, op.Size);
                if (!WriteDest(ref op, ea, b)) return false;
                WriteReg(op.Src, op.Size, a);
                return true;
            }
            case XKind.Xadd: return Xadd(ref op, next);
            case XKind.Cmpxchg: return Cmpxchg(ref op, next);
            case XKind.Str: return StringOp(ref op);
            case XKind.FlagOp: return FlagOp(ref op);
            default:
                return Fail(new MemoryFault(FaultKind.GeneralProtection, next - op.Len, Access.Fetch, 0));
        }
    }

    private bool AluGeneric(ref XOp op, ulong next)
    {
        var alu = (AluOp)op.Sub;
        bool compare = alu is AluOp.Cmp or AluOp.Test;
        if (!Dest(ref op, next, out ulong a, out ulong ea, compare) || !Source(ref op, next, op.Size, out ulong b)) return false;
        LazyFlags saved = _f;
        ulong r = Alu(alu, a, b, op.Size);
        if (compare || WriteDest(ref op, ea, r)) return true;
        _f = saved;
        return false;
    }

    private bool Unary(ref XOp op, ulong next)
    {
        if (!Dest(ref op, next, out ulong a, out ulong ea)) return false;
        LazyFlags saved = _f;
        ulong m = Mask(op.Size), r;
        switch (op.Sub)
        {
            case 0: r = ~a & m; break;
            case 1: r = (0 - a) & m; SetLazy(LazyFlags.Sub, op.Size, 0, a, r); break;
            case 2:
                _f.Cf = Carry();
                r = (a + 1) & m;
                SetLazy(LazyFlags.Inc, op.Size, a, 1, r);
                break;
            default:
                _f.Cf = Carry();
                r = (a - 1) & m;
                SetLazy(LazyFlags.Dec, op.Size, a, 1, r);
                break;
        }
        if (WriteDest(ref op, ea, r)) return true;
        _f = saved;
        return false;
    }

    private bool Push(ref XOp op, ulong next)
    {
        ulong v;
        if (op.Form == XForm.I) v = (ulong)op.Imm;
        else if (!Source1(ref op, next, out v)) return false;
        ulong rsp = _regs[Reg.Rsp] - op.Size;
        if (!Store(rsp, op.Size, v)) return false;
        _regs[Reg.Rsp] = rsp;
        return true;
    }

    /// <summary>pop: a memory destination is addressed with rsp already incremented, as the SDM says.</summary>
    private bool Pop(ref XOp op, ulong next)
    {
        ulong rsp = _regs[Reg.Rsp];
        if (!Load(rsp, op.Size, out ulong v)) return false;
        _regs[Reg.Rsp] = rsp + op.Size;
        if (op.Form == XForm.R)
        {
            WriteReg(op.Dst, op.Size, v);
            return true;
        }
        if (Store(Ea(ref op, next), op.Size, v)) return true;
        _regs[Reg.Rsp] = rsp;
        return false;
    }

    private bool Multiply(ref XOp op, ulong next)
    {
        if (!Source1(ref op, next, out ulong b)) return false;
        int size = op.Size;
        ulong a = ReadReg(0, size), lo, hi;
        bool signed = op.Sub == 1;
        if (size == 8)
        {
            if (signed)
            {
                hi = (ulong)Math.BigMul((long)a, (long)b, out long l);
                lo = (ulong)l;
            }
            else hi = Math.BigMul(a, b, out lo);
        }
        else
        {
            ulong full = signed ? (ulong)(SignExtend(a, size) * SignExtend(b, size)) : a * b;
            lo = full & Mask(size);
            hi = (full >> (size * 8)) & Mask(size);
        }
        bool overflow = signed ? hi != (SignExtend(lo, size) < 0 ? Mask(size) : 0) : hi != 0;
        if (size == 1) WriteReg(0, 2, (hi << 8) | lo);
        else
        {
            WriteReg(0, size, lo);
            WriteReg(2, size, hi);
        }
        SetMulFlags(lo, size, overflow);
        return true;
    }

    private bool Imul(ref XOp op, ulong next)
    {
        int size = op.Size;
        ulong a;
        if (!Source(ref op, next, size, out ulong b)) return false;
        if (op.SrcSize == 1) a = (ulong)op.Imm & Mask(size);
        else a = ReadReg(op.Dst, size);
        bool overflow;
        ulong lo;
        if (size == 8)
        {
            long hi = Math.BigMul((long)a, (long)b, out long l);
            lo = (ulong)l;
            overflow = hi != (l >> 63);
        }
        else
        {
            long full = SignExtend(a, size) * SignExtend(b, size);
            lo = (ulong)full & Mask(size);
            overflow = full != SignExtend(lo, size);
        }
        WriteReg(op.Dst, size, lo);
        SetMulFlags(lo, size, overflow);
        return true;
    }

    // CF = OF = the product did not fit; SF ZF PF are undefined by the SDM and follow the low half here
    private void SetMulFlags(ulong lo, int size, bool overflow) =>
        SetStatus(Fl.Status, ResultBits(lo, size) | (overflow ? Fl.CF | Fl.OF : 0));

    private bool Divide(ref XOp op, ulong next)
    {
        if (!Source1(ref op, next, out ulong d)) return false;
        int size = op.Size;
        ulong lo = size == 1 ? ReadReg(0, 2) & 0xFF : ReadReg(0, size);
        ulong hi = size == 1 ? (ReadReg(0, 2) >> 8) & 0xFF : ReadReg(2, size);
        FaultCause cause = XDivide.Divide(op.Sub == 1, size, hi, lo, d, out ulong q, out ulong r);
        if (cause != FaultCause.None) return Fail(MemoryFault.Divide(next - op.Len, cause));
        if (size == 1) WriteReg(0, 2, (r << 8) | q);
        else
        {
            WriteReg(0, size, q);
            WriteReg(2, size, r);
        }
        return true;
    }
}

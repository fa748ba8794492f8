using System.Numerics;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    /// <summary>rol ror rcl rcr shl shr sar (SDM vol. 2B): the count is masked to 5 bits (6 for 64-bit);
    /// a masked count of 0 changes no flag; OF is defined for count 1 and computed the same way otherwise.</summary>
    private bool Shift(ref XOp op, ulong next)
    {
        int size = op.Size, bits = size * 8;
        int count = (int)((op.Cond == 1 ? _regs[Reg.Rcx] : (ulong)op.Imm) & (size == 8 ? 63UL : 31UL));
        if (!Dest(ref op, next, out ulong a, out ulong ea)) return false;
        if (count == 0)
            return WriteDest(ref op, ea, a);   // still a write: memory is stored, a 32-bit register zero-extended
        ulong m = Mask(size), sign = SignBit(size), r, cf;
        ulong f = Flags(), of;
        switch (op.Sub)
        {
            case 0: // rol
            {
                int c = count % bits;
                r = c == 0 ? a : ((a << c) | (a >> (bits - c))) & m;
                cf = r & 1;
                of = ((r & sign) != 0 ? 1UL : 0) ^ cf;
                return Commit(ref op, ea, r, f, Fl.CF | Fl.OF, cf, of);
            }
            case 1: // ror
            {
                int c = count % bits;
                r = c == 0 ? a : ((a >> c) | (a << (bits - c))) & m;
                cf = (r & sign) != 0 ? 1UL : 0;
                of = cf ^ ((r & (sign >> 1)) != 0 ? 1UL : 0);
                return Commit(ref op, ea, r, f, Fl.CF | Fl.OF, cf, of);
            }
            case 2: // rcl: rotate through CF, a (bits + 1)-bit rotation
            {
                int c = size <= 2 ? count % (bits + 1) : count;
                r = a;
                cf = f & Fl.CF;
                for (int k = 0; k < c; k++)
                {
                    ulong top = (r & sign) != 0 ? 1UL : 0;
                    r = ((r << 1) | cf) & m;
                    cf = top;
                }
                of = ((r & sign) != 0 ? 1UL : 0) ^ cf;
                return Commit(ref op, ea, r, f, Fl.CF | Fl.OF, cf, of);
            }
            case 3: // rcr
            {
                int c = size <= 2 ? count % (bits + 1) : count;
                r = a;
                cf = f & Fl.CF;
                of = ((a & sign) != 0 ? 1UL : 0) ^ cf;
                for (int k = 0; k < c; k++)
                {
                    ulong low = r & 1;
                    r = (r >> 1) | (cf != 0 ? sign : 0);
                    cf = low;
                }
                return Commit(ref op, ea, r, f, Fl.CF | Fl.OF, cf, of);
            }
            case 4: // shl
                r = (a << count) & m;
                cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
                of = ((r & sign) != 0 ? 1UL : 0) ^ cf;
                break;
            case 5: // shr
                r = a >> count;
                cf = (a >> (count - 1)) & 1;
                of = (a & sign) != 0 ? 1UL : 0;
                break;
            default: // sar
            {
                long sa = SignExtend(a, size);
                r = (ulong)(sa >> count) & m;
                cf = (ulong)(sa >> (count - 1)) & 1;
                of = 0;
                break;
            }
        }
        return Commit(ref op, ea, r, f, Fl.Status, cf, of, ResultBits(r, size));
    }

    /// <summary>Writes the result, then the flags in mask (CF, OF, and the result bits given).</summary>
    private bool Commit(ref XOp op, ulong ea, ulong r, ulong f, ulong mask, ulong cf, ulong of, ulong resultBits = 0)
    {
        if (!WriteDest(ref op, ea, r)) return false;
        ulong bits = resultBits | (cf != 0 ? Fl.CF : 0) | (of != 0 ? Fl.OF : 0);
        _f.Flags = (f & ~mask) | (bits & mask);
        return true;
    }

    /// <summary>shld/shrd: shift the destination, filling from the source register.</summary>
    private bool ShiftDouble(ref XOp op, ulong next)
    {
        int size = op.Size, bits = size * 8;
        int count = (int)((op.Cond == 1 ? _regs[Reg.Rcx] : (ulong)op.Imm) & (size == 8 ? 63UL : 31UL));
        if (!Dest(ref op, next, out ulong a, out ulong ea)) return false;
        if (count == 0)
            return WriteDest(ref op, ea, a);
        ulong b = ReadReg(op.Src, size), m = Mask(size), sign = SignBit(size), r, cf;
        // 16-bit counts above 16 shift through a 32-bit (then 48-bit) pattern dest:src:dest, as Intel does
        UInt128 pattern = size == 2 ? ((UInt128)a << 32) | ((UInt128)b << 16) | a : ((UInt128)a << bits) | b;
        if (op.Sub == 0)
        {
            int width = size == 2 ? 48 : bits * 2;
            r = (ulong)(pattern >> (width - bits - count)) & m;
            cf = (ulong)(pattern >> (width - count)) & 1;
        }
        else
        {
            pattern = size == 2 ? ((UInt128)a << 32) | ((UInt128)b << 16) | b : ((UInt128)b << bits) | a;
            r = (ulong)(pattern >> count) & m;
            cf = (ulong)(pattern >> (count - 1)) & 1;
        }
        ulong of = ((r ^ a) & sign) != 0 ? 1UL : 0;
        return Commit(ref op, ea, r, Flags(), Fl.Status, cf, of, ResultBits(r, size));
    }

    /// <summary>bt bts btr btc: CF = the bit. A register bit offset into memory addresses a bit string
    /// (signed, so it can reach below the operand); an immediate offset stays inside the operand.</summary>
    private bool BitTest(ref XOp op, ulong next)
    {
        int size = op.Size, bits = size * 8;
        long offset = op.Form is XForm.RI or XForm.MI ? op.Imm & (bits - 1) : SignExtend(ReadReg(op.Src, size), size);
        ulong ea = 0, a;
        if (DestIsMemory(ref op))
        {
            ea = Ea(ref op, next) + (ulong)((offset >> BitOperations.Log2((uint)bits)) * size);
            if (!Load(ea, size, out a, op.Sub == 0 ? Access.Read : Access.Write)) return false;
        }
        else a = ReadReg(op.Dst, size);
        int bit = (int)(offset & (bits - 1));
        ulong cf = (a >> bit) & 1, r = op.Sub switch
        {
            1 => a | (1UL << bit),
            2 => a & ~(1UL << bit),
            3 => a ^ (1UL << bit),
            _ => a,
        };
        ulong f = Flags();
        if (op.Sub != 0)
        {
            if (DestIsMemory(ref op) ? !Store(ea, size, r) : !WriteDestReg(ref op, r)) return false;
        }
        _f.Flags = (f & ~Fl.CF) | cf;
        return true;
    }

    private bool WriteDestReg(ref XOp op, ulong r)
    {
        WriteReg(op.Dst, op.Size, r);
        return true;
    }

    /// <summary>bsf bsr (zero source: ZF set, destination unchanged) tzcnt lzcnt (CF = source was zero,
    /// ZF = result is zero) popcnt (ZF = source was zero, the rest cleared).</summary>
    private bool BitScan(ref XOp op, ulong next)
    {
        int size = op.Size, bits = size * 8;
        if (!Source(ref op, next, size, out ulong s)) return false;
        ulong f = Flags() & ~Fl.Status;
        ulong r;
        switch (op.Sub)
        {
            case 0 or 1:
                if (s == 0)
                {
                    _f.Flags = f | Fl.ZF;
                    return true;
                }
                r = op.Sub == 0 ? (ulong)BitOperations.TrailingZeroCount(s) : (ulong)(63 - BitOperations.LeadingZeroCount(s));
                _f.Flags = f | ResultBits(r, size) & ~Fl.ZF;
                break;
            case 2 or 3:
                r = s == 0 ? (ulong)bits
                    : op.Sub == 2 ? (ulong)BitOperations.TrailingZeroCount(s) : (ulong)(BitOperations.LeadingZeroCount(s) - (64 - bits));
                _f.Flags = f | (s == 0 ? Fl.CF : 0) | (r == 0 ? Fl.ZF : 0);
                break;
            default:
                r = (ulong)BitOperations.PopCount(s);
                _f.Flags = f | (s == 0 ? Fl.ZF : 0);
                break;
        }
        WriteReg(op.Dst, size, r);
        return true;
    }
}

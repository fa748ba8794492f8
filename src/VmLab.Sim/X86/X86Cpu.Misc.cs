using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    /// <summary>xadd: the destination gets the sum, the source register the old destination.</summary>
    private bool Xadd(ref XOp op, ulong next)
    {
        if (!Dest(ref op, next, out ulong a, out ulong ea)) return false;
        ulong b = ReadReg(op.Src, op.Size);
        LazyFlags saved = _f;
        ulong r = Alu(AluOp.Add, a, b, op.Size);
        if (DestIsMemory(ref op))
        {
            if (!Store(ea, op.Size, r))
            {
                _f = saved;
                return false;
            }
            WriteReg(op.Src, op.Size, a);
        }
        else
        {
            WriteReg(op.Src, op.Size, a);
            WriteReg(op.Dst, op.Size, r);
        }
        return true;
    }

    /// <summary>cmpxchg: compare the accumulator with the destination; equal: destination = source, else
    /// accumulator = destination. A memory destination is always written (the old value when unequal).</summary>
    private bool Cmpxchg(ref XOp op, ulong next)
    {
        if (!Dest(ref op, next, out ulong d, out ulong ea)) return false;
        int size = op.Size;
        ulong acc = ReadReg(0, size);
        LazyFlags saved = _f;
        Alu(AluOp.Cmp, acc, d, size);
        bool equal = acc == d;
        if (DestIsMemory(ref op))
        {
            if (!Store(ea, size, equal ? ReadReg(op.Src, size) : d))
            {
                _f = saved;
                return false;
            }
        }
        else if (equal) WriteReg(op.Dst, size, ReadReg(op.Src, size));
        if (!equal) WriteReg(0, size, d);
        return true;
    }

    /// <summary>clc stc cmc cld std lahf sahf pushfq popfq.</summary>
    private bool FlagOp(ref XOp op)
    {
        ulong f = Flags();
        switch (op.Sub)
        {
            case 0: _f.Flags = f & ~Fl.CF; break;
            case 1: _f.Flags = f | Fl.CF; break;
            case 2: _f.Flags = f ^ Fl.CF; break;
            case 3: _f.Flags = f & ~Fl.DF; break;
            case 4: _f.Flags = f | Fl.DF; break;
            case 5: WriteReg(16, 1, (f & 0xD5) | Fl.Fixed); break;
            case 6:
            {
                const ulong low = Fl.SF | Fl.ZF | Fl.AF | Fl.PF | Fl.CF;
                _f.Flags = (f & ~low) | (ReadReg(16, 1) & low);
                break;
            }
            case 7:
            {
                ulong rsp = _regs[Reg.Rsp] - 8;
                if (!Store(rsp, 8, f)) return false;
                _regs[Reg.Rsp] = rsp;
                break;
            }
            default:
            {
                ulong rsp = _regs[Reg.Rsp];
                if (!Load(rsp, 8, out ulong v)) return false;
                _regs[Reg.Rsp] = rsp + 8;
                _f.Flags = (f & ~Fl.UserWritable) | (v & Fl.UserWritable);
                break;
            }
        }
        return true;
    }
}

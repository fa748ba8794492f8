using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    /// <summary>
    /// movs stos lods cmps scas, with rep/repe/repne. Restartable as on hardware: rsi, rdi and rcx advance
    /// after every finished iteration, so when an access faults the iterations before it are done, the
    /// registers say exactly how far, rip stays on the instruction and running it again continues.
    /// rep movsb/stosb with DF clear move 8 bytes a step while both pointers are 8-aligned (an aligned 8-byte
    /// access never spans pages, so a fault lands where a byte-wise copy would fault).
    /// </summary>
    private bool StringOp(ref XOp op)
    {
        int size = op.Size;
        bool down = (_f.Flags & Fl.DF) != 0;
        ref ulong rcx = ref _regs.Gpr[(int)Reg.Rcx];
        ref ulong rsi = ref _regs.Gpr[(int)Reg.Rsi];
        ref ulong rdi = ref _regs.Gpr[(int)Reg.Rdi];
        if (op.Rep == 0) return StringStep(op.Sub, size, false, down, ref rsi, ref rdi);
        while (rcx != 0)
        {
            int step = size;
            if (size == 1 && !down && op.Sub <= 1 && rcx >= 8 && ((rdi | (op.Sub == 0 ? rsi : 0)) & 7) == 0) step = 8;
            if (!StringStep(op.Sub, step, step != size, down, ref rsi, ref rdi)) return false;
            rcx -= step != size ? 8UL : 1UL;
            if (op.Sub >= 3)
            {
                bool zf = Cond(4);
                if (op.Rep == 1 ? !zf : zf) break;
            }
        }
        return true;
    }

    /// <summary>One iteration: on success the pointers move by size (8-byte steps of a byte op move 8).</summary>
    private bool StringStep(int sub, int size, bool wide, bool down, ref ulong rsi, ref ulong rdi)
    {
        ulong delta = down ? (ulong)-size : (ulong)size;
        switch (sub)
        {
            case 0: // movs
            {
                if (!Load(rsi, size, out ulong v) || !Store(rdi, size, v)) return false;
                rsi += delta;
                rdi += delta;
                return true;
            }
            case 1: // stos
            {
                ulong v = wide ? (_regs.Gpr[0] & 0xFF) * 0x0101010101010101UL : _regs.Gpr[0];
                if (!Store(rdi, size, v)) return false;
                rdi += delta;
                return true;
            }
            case 2: // lods
            {
                if (!Load(rsi, size, out ulong v)) return false;
                WriteReg(0, size, v);
                rsi += delta;
                return true;
            }
            case 3: // cmps: flags of [rsi] - [rdi]
            {
                if (!Load(rsi, size, out ulong a) || !Load(rdi, size, out ulong b)) return false;
                Alu(AluOp.Cmp, a, b, size);
                rsi += delta;
                rdi += delta;
                return true;
            }
            default: // scas: flags of accumulator - [rdi]
            {
                if (!Load(rdi, size, out ulong b)) return false;
                Alu(AluOp.Cmp, _regs.Gpr[0], b, size);
                rdi += delta;
                return true;
            }
        }
    }
}

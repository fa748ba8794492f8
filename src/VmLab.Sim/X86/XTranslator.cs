using Iced.Intel;

namespace VmLab.Sim.X86;

/// <summary>
/// Turns one Iced-decoded instruction into an <see cref="XOp"/>. Anything outside the supported subset
/// becomes <see cref="XKind.Invalid"/> (the CPU raises #UD naming the mnemonic): never a guess.
/// </summary>
internal static class XTranslator
{
    public static XOp Translate(in Instruction ins)
    {
        var op = new XOp { Len = (byte)ins.Length, Code = (ushort)ins.Code, Base = XOp.NoReg, Index = XOp.NoReg };
        if (ins.Code == Code.INVALID
            || ins.SegmentPrefix is Register.FS or Register.GS || !TranslateInto(ins, ref op))
            op.Kind = XKind.Invalid;
        return op;
    }

    private static bool TranslateInto(in Instruction ins, ref XOp op)
    {
        // lock is only meaningful (and only allowed) on a read-modify-write of memory
        if (ins.HasLockPrefix && !(ins.Op0Kind == OpKind.Memory && ins.Mnemonic is Mnemonic.Add or Mnemonic.Or
                or Mnemonic.Adc or Mnemonic.Sbb or Mnemonic.And or Mnemonic.Sub or Mnemonic.Xor or Mnemonic.Not
                or Mnemonic.Neg or Mnemonic.Inc or Mnemonic.Dec or Mnemonic.Xchg or Mnemonic.Cmpxchg
                or Mnemonic.Xadd or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc))
            return false;
        switch (ins.Mnemonic)
        {
            // fences order memory between CPUs (and against non-temporal stores, which are #UD here): with one
            // CPU they are no-ops; gcc emits mfence for seq-cst fences at -Os
            case Mnemonic.Nop or Mnemonic.Endbr64 or Mnemonic.Endbr32 or Mnemonic.Pause
                or Mnemonic.Mfence or Mnemonic.Lfence or Mnemonic.Sfence:
                op.Kind = XKind.Nop; return true;
            case Mnemonic.Add: return Alu(ins, ref op, AluOp.Add);
            case Mnemonic.Or: return Alu(ins, ref op, AluOp.Or);
            case Mnemonic.Adc: return Alu(ins, ref op, AluOp.Adc);
            case Mnemonic.Sbb: return Alu(ins, ref op, AluOp.Sbb);
            case Mnemonic.And: return Alu(ins, ref op, AluOp.And);
            case Mnemonic.Sub: return Alu(ins, ref op, AluOp.Sub);
            case Mnemonic.Xor: return Alu(ins, ref op, AluOp.Xor);
            case Mnemonic.Cmp: return Alu(ins, ref op, AluOp.Cmp);
            case Mnemonic.Test: return Alu(ins, ref op, AluOp.Test);
            case Mnemonic.Mov: return Mov(ins, ref op);
            case Mnemonic.Movzx: return Extend(ins, ref op, XKind.Movzx);
            case Mnemonic.Movsx or Mnemonic.Movsxd: return Extend(ins, ref op, XKind.Movsx);
            case Mnemonic.Lea:
                op.Kind = XKind.Lea;
                return Operands(ins, ref op, 2) && op.Form == XForm.RM;
            case Mnemonic.Not: return Unary(ins, ref op, 0);
            case Mnemonic.Neg: return Unary(ins, ref op, 1);
            case Mnemonic.Inc: return Unary(ins, ref op, 2);
            case Mnemonic.Dec: return Unary(ins, ref op, 3);
            case Mnemonic.Rol: return Shift(ins, ref op, 0);
            case Mnemonic.Ror: return Shift(ins, ref op, 1);
            case Mnemonic.Rcl: return Shift(ins, ref op, 2);
            case Mnemonic.Rcr: return Shift(ins, ref op, 3);
            case Mnemonic.Shl or Mnemonic.Sal: return Shift(ins, ref op, 4);
            case Mnemonic.Shr: return Shift(ins, ref op, 5);
            case Mnemonic.Sar: return Shift(ins, ref op, 7);
            case Mnemonic.Shld or Mnemonic.Shrd:
                op.Kind = XKind.ShiftD;
                op.Sub = (byte)(ins.Mnemonic == Mnemonic.Shld ? 0 : 1);
                op.Cond = (byte)(ins.Op2Kind == OpKind.Register ? 1 : 0);   // count in cl
                op.Imm = ins.Op2Kind == OpKind.Register ? 0 : ins.Immediate8;
                return Operands(ins, ref op, 2) && ins.Op2Kind is OpKind.Register or OpKind.Immediate8;
            case Mnemonic.Mul or Mnemonic.Imul when ins.OpCount == 1:
                op.Kind = XKind.Mul1;
                op.Sub = (byte)(ins.Mnemonic == Mnemonic.Imul ? 1 : 0);
                return Operands(ins, ref op);
            case Mnemonic.Imul:
                op.Kind = XKind.Imul2;
                if (ins.OpCount == 3) { op.SrcSize = 1; op.Imm = (long)ins.GetImmediate(2); }
                if (!Operands(ins, ref op, 2)) return false;
                if (op.Form == XForm.RR && op.Size is 4 or 8) op.Kind = XKind.ImulR;
                return true;
            case Mnemonic.Div or Mnemonic.Idiv:
                op.Kind = XKind.Div;
                op.Sub = (byte)(ins.Mnemonic == Mnemonic.Idiv ? 1 : 0);
                return Operands(ins, ref op);
            case Mnemonic.Push:
                op.Kind = XKind.Push;
                if (!Operands(ins, ref op)) return false;
                if (op.Form == XForm.I) op.Size = (byte)(ins.Code is Code.Pushw_imm8 or Code.Push_imm16 ? 2 : 8);
                return op.Size is 2 or 8;
            case Mnemonic.Pop:
                op.Kind = XKind.Pop;
                return Operands(ins, ref op) && op.Size is 2 or 8;
            case Mnemonic.Call: return Branch(ins, ref op, XKind.Call, XKind.CallInd);
            case Mnemonic.Jmp: return Branch(ins, ref op, XKind.Jmp, XKind.JmpInd);
            case Mnemonic.Ret:
                op.Kind = XKind.Ret;
                op.Imm = ins.OpCount == 1 ? ins.Immediate16 : 0;
                return ins.Code is Code.Retnq or Code.Retnq_imm16;
            case Mnemonic.Leave:
                op.Kind = XKind.Leave; op.Size = 8;
                return ins.Code == Code.Leaveq;
            case Mnemonic.Enter:
                op.Kind = XKind.Enter; op.Size = 8;
                op.Imm = ins.Immediate16;
                return ins.Code == Code.Enterq_imm16_imm8 && ins.Immediate8_2nd == 0;
            case Mnemonic.Cbw or Mnemonic.Cwde or Mnemonic.Cdqe:
                op.Kind = XKind.Convert;
                op.Size = (byte)(ins.Mnemonic == Mnemonic.Cbw ? 2 : ins.Mnemonic == Mnemonic.Cwde ? 4 : 8);
                return true;
            case Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo:
                op.Kind = XKind.ConvertD;
                op.Size = (byte)(ins.Mnemonic == Mnemonic.Cwd ? 2 : ins.Mnemonic == Mnemonic.Cdq ? 4 : 8);
                return true;
            case Mnemonic.Bt: return BitTest(ins, ref op, 0);
            case Mnemonic.Bts: return BitTest(ins, ref op, 1);
            case Mnemonic.Btr: return BitTest(ins, ref op, 2);
            case Mnemonic.Btc: return BitTest(ins, ref op, 3);
            case Mnemonic.Bsf: return Scan(ins, ref op, 0);
            case Mnemonic.Bsr: return Scan(ins, ref op, 1);
            case Mnemonic.Tzcnt: return Scan(ins, ref op, 2);
            case Mnemonic.Lzcnt: return Scan(ins, ref op, 3);
            case Mnemonic.Popcnt: return Scan(ins, ref op, 4);
            case Mnemonic.Bswap:
                op.Kind = XKind.Bswap;
                return Operands(ins, ref op) && op.Size >= 4;
            case Mnemonic.Xchg: op.Kind = XKind.Xchg; return Operands(ins, ref op, 2);
            case Mnemonic.Cmpxchg: op.Kind = XKind.Cmpxchg; return Operands(ins, ref op, 2);
            case Mnemonic.Xadd: op.Kind = XKind.Xadd; return Operands(ins, ref op, 2);
            case Mnemonic.Clc: return Flag(ref op, 0);
            case Mnemonic.Stc: return Flag(ref op, 1);
            case Mnemonic.Cmc: return Flag(ref op, 2);
            case Mnemonic.Cld: return Flag(ref op, 3);
            case Mnemonic.Std: return Flag(ref op, 4);
            case Mnemonic.Lahf: return Flag(ref op, 5);
            case Mnemonic.Sahf: return Flag(ref op, 6);
            case Mnemonic.Pushfq: return Flag(ref op, 7);
            case Mnemonic.Popfq: return Flag(ref op, 8);
            case Mnemonic.Syscall: op.Kind = XKind.Syscall; return true;
            case Mnemonic.Hlt: op.Kind = XKind.Hlt; return true;
        }
        if (ins.ConditionCode != ConditionCode.None)
        {
            op.Cond = (byte)(ins.ConditionCode - 1);
            switch (ins.Mnemonic)
            {
                case >= Mnemonic.Ja and <= Mnemonic.Js when ins.Op0Kind == OpKind.NearBranch64:
                    op.Kind = XKind.Jcc;
                    op.Imm = (long)(ins.NearBranch64 - ins.NextIP);
                    return true;
                case >= Mnemonic.Seta and <= Mnemonic.Sets:
                    op.Kind = XKind.Setcc;
                    return Operands(ins, ref op);
                case >= Mnemonic.Cmova and <= Mnemonic.Cmovs:
                    op.Kind = XKind.Cmovcc;
                    return Operands(ins, ref op, 2);
            }
        }
        return StringOp(ins, ref op);
    }

    private static bool Alu(in Instruction ins, ref XOp op, AluOp alu)
    {
        op.Kind = XKind.Alu;
        op.Sub = (byte)alu;
        if (!Operands(ins, ref op, 2)) return false;
        if (op.Size is 8 or 4 && alu is not (AluOp.Adc or AluOp.Sbb))
        {
            if (op.Form == XForm.RR) op.Kind = op.Size == 8 ? XKind.AluRR64 : XKind.AluRR32;
            else if (op.Form == XForm.RI) op.Kind = op.Size == 8 ? XKind.AluRI64 : XKind.AluRI32;
        }
        return true;
    }

    private static bool Mov(in Instruction ins, ref XOp op)
    {
        op.Kind = XKind.Mov;
        if (!Operands(ins, ref op, 2)) return false;
        op.Kind = (op.Form, op.Size) switch
        {
            (XForm.RR, 8) => XKind.MovRR64,
            (XForm.RR, 4) => XKind.MovRR32,
            (XForm.RI, 8 or 4) => XKind.MovRI,
            (XForm.RM, 8) => XKind.MovRM64,
            (XForm.MR, 8) => XKind.MovMR64,
            (XForm.RM, 4) => XKind.MovRM32,
            (XForm.MR, 4) => XKind.MovMR32,
            _ => XKind.Mov,
        };
        if (op.Kind == XKind.MovRI && op.Size == 4) op.Imm = (long)(uint)op.Imm;
        return true;
    }

    private static bool Extend(in Instruction ins, ref XOp op, XKind kind)
    {
        op.Kind = kind;
        if (!Operands(ins, ref op, 2)) return false;
        op.SrcSize = (byte)(ins.Op1Kind == OpKind.Register ? ins.Op1Register.GetSize() : ins.MemorySize.GetSize());
        return op.SrcSize is 1 or 2 or 4;
    }

    private static bool Unary(in Instruction ins, ref XOp op, byte sub)
    {
        op.Kind = XKind.Unary;
        op.Sub = sub;
        if (!Operands(ins, ref op)) return false;
        if (sub >= 2 && op.Form == XForm.R && op.Size is 4 or 8) op.Kind = XKind.IncDecR;
        return true;
    }

    private static bool Shift(in Instruction ins, ref XOp op, byte sub)
    {
        op.Kind = XKind.Shift;
        op.Sub = sub;
        op.Cond = (byte)(ins.Op1Kind == OpKind.Register ? 1 : 0);
        op.Imm = ins.Op1Kind == OpKind.Register ? 0 : ins.Op1Kind == OpKind.Immediate8 ? ins.Immediate8 : 1;
        if (!Operands(ins, ref op) || (ins.Op1Kind == OpKind.Register && ins.Op1Register != Register.CL)) return false;
        if (sub >= 4 && op.Cond == 0 && op.Form == XForm.R && op.Size is 4 or 8)
        {
            op.Imm &= op.Size == 8 ? 63 : 31;
            if (op.Imm != 0) op.Kind = XKind.ShiftRI;
        }
        return true;
    }

    private static bool BitTest(in Instruction ins, ref XOp op, byte sub)
    {
        op.Kind = XKind.Bt;
        op.Sub = sub;
        return Operands(ins, ref op, 2);
    }

    private static bool Scan(in Instruction ins, ref XOp op, byte sub)
    {
        op.Kind = XKind.BitScan;
        op.Sub = sub;
        return Operands(ins, ref op, 2);
    }

    private static bool Flag(ref XOp op, byte sub)
    {
        op.Kind = XKind.FlagOp;
        op.Sub = sub;
        op.Size = 8;
        return true;
    }

    private static bool Branch(in Instruction ins, ref XOp op, XKind direct, XKind indirect)
    {
        op.Size = 8;
        if (ins.Op0Kind == OpKind.NearBranch64)
        {
            op.Kind = direct;
            op.Imm = (long)(ins.NearBranch64 - ins.NextIP);
            return true;
        }
        op.Kind = indirect;
        return Operands(ins, ref op) && op.Size == 8 && op.Form is XForm.R or XForm.M;
    }

    private static bool StringOp(in Instruction ins, ref XOp op)
    {
        (int sub, int size) = ins.Code switch
        {
            Code.Movsb_m8_m8 => (0, 1), Code.Movsw_m16_m16 => (0, 2), Code.Movsd_m32_m32 => (0, 4), Code.Movsq_m64_m64 => (0, 8),
            Code.Stosb_m8_AL => (1, 1), Code.Stosw_m16_AX => (1, 2), Code.Stosd_m32_EAX => (1, 4), Code.Stosq_m64_RAX => (1, 8),
            Code.Lodsb_AL_m8 => (2, 1), Code.Lodsw_AX_m16 => (2, 2), Code.Lodsd_EAX_m32 => (2, 4), Code.Lodsq_RAX_m64 => (2, 8),
            Code.Cmpsb_m8_m8 => (3, 1), Code.Cmpsw_m16_m16 => (3, 2), Code.Cmpsd_m32_m32 => (3, 4), Code.Cmpsq_m64_m64 => (3, 8),
            Code.Scasb_AL_m8 => (4, 1), Code.Scasw_AX_m16 => (4, 2), Code.Scasd_EAX_m32 => (4, 4), Code.Scasq_RAX_m64 => (4, 8),
            _ => (-1, 0),
        };
        if (sub < 0) return false;
        for (int i = 0; i < ins.OpCount; i++)
            if (ins.GetOpKind(i) is OpKind.MemorySegESI or OpKind.MemorySegEDI or OpKind.MemoryESEDI)
                return false;   // 32-bit address size (esi/edi/ecx) is not supported
        op.Kind = XKind.Str;
        op.Sub = (byte)sub;
        op.Size = (byte)size;
        op.Rep = (byte)(ins.HasRepPrefix ? 1 : ins.HasRepnePrefix ? (sub >= 3 ? 2 : 1) : 0);
        return true;
    }

    /// <summary>Fills the register, memory and immediate fields from the first count operands and picks the form.
    /// Size is the first operand's size (the destination register's for lea).</summary>
    private static bool Operands(in Instruction ins, ref XOp op, int count = 1)
    {
        if (ins.OpCount < count) return false;
        char k0 = Kind(ins, 0, ref op, out int size0);
        if (k0 == '?') return false;
        char k1 = ' ';
        if (count >= 2)
        {
            k1 = Kind(ins, 1, ref op, out int size1);
            if (k1 == '?' || (k0 == 'M' && k1 == 'M')) return false;
            if (k1 == 'R' && k0 != 'I') op.Src = RegNum(ins.Op1Register);
            if (k0 == 'M' && size0 == 0) size0 = size1;
        }
        if (k0 == 'R') op.Dst = RegNum(ins.Op0Register);
        else if (k0 == 'I') { op.Imm = (long)ins.GetImmediate(0); size0 = 8; }
        if (k1 == 'I') op.Imm = (long)ins.GetImmediate(1);
        op.Size = (byte)size0;
        op.Form = (k0, k1) switch
        {
            ('R', 'R') => XForm.RR, ('R', 'I') => XForm.RI, ('R', 'M') => XForm.RM,
            ('M', 'R') => XForm.MR, ('M', 'I') => XForm.MI,
            ('R', ' ') => XForm.R, ('M', ' ') => XForm.M, ('I', ' ') => XForm.I,
            _ => XForm.None,
        };
        return op.Form != XForm.None && op.Size is 1 or 2 or 4 or 8;
    }

    private static char Kind(in Instruction ins, int i, ref XOp op, out int size)
    {
        size = 0;
        switch (ins.GetOpKind(i))
        {
            case OpKind.Register:
                Register r = ins.GetOpRegister(i);
                if (!r.IsGPR()) return '?';
                size = r.GetSize();
                return 'R';
            case OpKind.Memory:
                size = ins.MemorySize.GetSize();
                return Memory(ins, ref op) ? 'M' : '?';
            case OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate64
                or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64:
                return 'I';
            default:
                return '?';
        }
    }

    private static bool Memory(in Instruction ins, ref XOp op)
    {
        if (ins.MemorySegment is Register.FS or Register.GS) return false;
        if (ins.IsIPRelativeMemoryOperand)
        {
            op.Base = XOp.RipReg;
            op.Addr32 = ins.MemoryBase == Register.EIP;
            ulong rel = ins.MemoryDisplacement64 - ins.NextIP;
            op.Disp = op.Addr32 ? (int)(uint)rel : (long)rel;
            return true;
        }
        Register b = ins.MemoryBase, x = ins.MemoryIndex;
        if ((b != Register.None && !b.IsGPR64() && !b.IsGPR32()) || (x != Register.None && !x.IsGPR64() && !x.IsGPR32()))
            return false;
        op.Base = b == Register.None ? XOp.NoReg : RegNum(b);
        op.Index = x == Register.None ? XOp.NoReg : RegNum(x);
        op.Scale = (byte)System.Numerics.BitOperations.Log2((uint)ins.MemoryIndexScale);
        op.Addr32 = b.IsGPR32() || x.IsGPR32();
        op.Disp = (long)ins.MemoryDisplacement64;
        return true;
    }

    private static byte RegNum(Register r) => r is >= Register.AH and <= Register.BH
        ? (byte)(16 + (r - Register.AH))
        : (byte)(r.GetFullRegister() - Register.RAX);
}

using Iced.Intel;

namespace VmLab.Sim.X86;

/// <summary>
/// Turns one Iced-decoded instruction into an <see cref="XOp"/>: the only place that knows Iced's mnemonics.
/// Anything outside the supported subset becomes <see cref="XCode.Invalid"/> (the CPU raises #UD naming the
/// mnemonic): never a guess.
/// </summary>
internal static class XDecoder
{
    public static XOp Decode(in Instruction ins)
    {
        var op = new XOp { Len = (byte)ins.Length, IcedCode = (ushort)ins.Code, Base = XOp.NoReg, Index = XOp.NoReg };
        if (ins.Code == Code.INVALID
            || ins.SegmentPrefix is Register.FS or Register.GS || !DecodeInto(ins, ref op))
            op.Code = XCode.Invalid;
        op.Aux = XAux.Pack(op);
        return op;
    }

    private static bool DecodeInto(in Instruction ins, ref XOp op)
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
                op.Code = XCode.Nop; return true;
            case Mnemonic.Add: return Operands(ins, ref op, XCode.Add, 2);
            case Mnemonic.Or: return Operands(ins, ref op, XCode.Or, 2);
            case Mnemonic.Adc: return Operands(ins, ref op, XCode.Adc, 2);
            case Mnemonic.Sbb: return Operands(ins, ref op, XCode.Sbb, 2);
            case Mnemonic.And: return Operands(ins, ref op, XCode.And, 2);
            case Mnemonic.Sub: return Operands(ins, ref op, XCode.Sub, 2);
            case Mnemonic.Xor: return Operands(ins, ref op, XCode.Xor, 2);
            case Mnemonic.Cmp: return Operands(ins, ref op, XCode.Cmp, 2);
            case Mnemonic.Test: return Operands(ins, ref op, XCode.Test, 2);
            case Mnemonic.Mov: return Mov(ins, ref op);
            case Mnemonic.Movzx: return Extend(ins, ref op, XCode.Movzx);
            case Mnemonic.Movsx or Mnemonic.Movsxd: return Extend(ins, ref op, XCode.Movsx);
            case Mnemonic.Lea: return Operands(ins, ref op, XCode.Lea, 2) && op.Form == XForm.RM;
            case Mnemonic.Not: return Operands(ins, ref op, XCode.Not);
            case Mnemonic.Neg: return Operands(ins, ref op, XCode.Neg);
            case Mnemonic.Inc: return Operands(ins, ref op, XCode.Inc);
            case Mnemonic.Dec: return Operands(ins, ref op, XCode.Dec);
            case Mnemonic.Rol: return Shift(ins, ref op, XCode.Rol);
            case Mnemonic.Ror: return Shift(ins, ref op, XCode.Ror);
            case Mnemonic.Rcl: return Shift(ins, ref op, XCode.Rcl);
            case Mnemonic.Rcr: return Shift(ins, ref op, XCode.Rcr);
            case Mnemonic.Shl or Mnemonic.Sal: return Shift(ins, ref op, XCode.Shl);
            case Mnemonic.Shr: return Shift(ins, ref op, XCode.Shr);
            case Mnemonic.Sar: return Shift(ins, ref op, XCode.Sar);
            case Mnemonic.Shld or Mnemonic.Shrd:
                op.CountInCl = ins.Op2Kind == OpKind.Register;
                op.Imm = op.CountInCl ? 0 : ins.Immediate8;
                return Operands(ins, ref op, ins.Mnemonic == Mnemonic.Shld ? XCode.Shld : XCode.Shrd, 2)
                    && ins.Op2Kind is OpKind.Register or OpKind.Immediate8;
            case Mnemonic.Mul or Mnemonic.Imul when ins.OpCount == 1:
                return Operands(ins, ref op, ins.Mnemonic == Mnemonic.Imul ? XCode.Imul1 : XCode.Mul);
            case Mnemonic.Imul when ins.OpCount == 3:
                op.Imm = (long)ins.GetImmediate(2);
                return Operands(ins, ref op, XCode.Imul3, 2, immediateAfter: true);
            case Mnemonic.Imul: return Operands(ins, ref op, XCode.Imul2, 2);
            case Mnemonic.Div: return Operands(ins, ref op, XCode.Div);
            case Mnemonic.Idiv: return Operands(ins, ref op, XCode.Idiv);
            case Mnemonic.Push:
                if (!Operands(ins, ref op, XCode.Push)) return false;
                if (op.Form == XForm.I) op.Size = (byte)(ins.Code is Code.Pushw_imm8 or Code.Push_imm16 ? 2 : 8);
                return op.Size is 2 or 8;
            case Mnemonic.Pop: return Operands(ins, ref op, XCode.Pop) && op.Size is 2 or 8;
            case Mnemonic.Call: return Branch(ins, ref op, XCode.Call, XCode.CallInd);
            case Mnemonic.Jmp: return Branch(ins, ref op, XCode.Jmp, XCode.JmpInd);
            case Mnemonic.Ret:
                op.Code = XCode.Ret;
                op.Size = 8;
                op.Imm = ins.OpCount == 1 ? ins.Immediate16 : 0;
                return ins.Code is Code.Retnq or Code.Retnq_imm16;
            case Mnemonic.Leave:
                op.Code = XCode.Leave; op.Size = 8;
                return ins.Code == Code.Leaveq;
            case Mnemonic.Enter:
                op.Code = XCode.Enter; op.Size = 8;
                op.Imm = ins.Immediate16;
                return ins.Code == Code.Enterq_imm16_imm8 && ins.Immediate8_2nd == 0;
            case Mnemonic.Cbw or Mnemonic.Cwde or Mnemonic.Cdqe:
                op.Code = XCode.ExtendAcc;
                op.Size = (byte)(ins.Mnemonic == Mnemonic.Cbw ? 2 : ins.Mnemonic == Mnemonic.Cwde ? 4 : 8);
                return true;
            case Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo:
                op.Code = XCode.ExtendAccToDx;
                op.Size = (byte)(ins.Mnemonic == Mnemonic.Cwd ? 2 : ins.Mnemonic == Mnemonic.Cdq ? 4 : 8);
                return true;
            case Mnemonic.Bt: return Operands(ins, ref op, XCode.Bt, 2);
            case Mnemonic.Bts: return Operands(ins, ref op, XCode.Bts, 2);
            case Mnemonic.Btr: return Operands(ins, ref op, XCode.Btr, 2);
            case Mnemonic.Btc: return Operands(ins, ref op, XCode.Btc, 2);
            case Mnemonic.Bsf: return Operands(ins, ref op, XCode.Bsf, 2);
            case Mnemonic.Bsr: return Operands(ins, ref op, XCode.Bsr, 2);
            case Mnemonic.Tzcnt: return Operands(ins, ref op, XCode.Tzcnt, 2);
            case Mnemonic.Lzcnt: return Operands(ins, ref op, XCode.Lzcnt, 2);
            case Mnemonic.Popcnt: return Operands(ins, ref op, XCode.Popcnt, 2);
            case Mnemonic.Bswap: return Operands(ins, ref op, XCode.Bswap) && op.Size >= 4;
            case Mnemonic.Xchg: return Operands(ins, ref op, XCode.Xchg, 2);
            case Mnemonic.Cmpxchg: return Operands(ins, ref op, XCode.Cmpxchg, 2);
            case Mnemonic.Xadd: return Operands(ins, ref op, XCode.Xadd, 2);
            case Mnemonic.Clc: return Implicit(ref op, XCode.Clc);
            case Mnemonic.Stc: return Implicit(ref op, XCode.Stc);
            case Mnemonic.Cmc: return Implicit(ref op, XCode.Cmc);
            case Mnemonic.Cld: return Implicit(ref op, XCode.Cld);
            case Mnemonic.Std: return Implicit(ref op, XCode.Std);
            case Mnemonic.Lahf: return Implicit(ref op, XCode.Lahf);
            case Mnemonic.Sahf: return Implicit(ref op, XCode.Sahf);
            case Mnemonic.Pushfq: return Implicit(ref op, XCode.Pushf);
            case Mnemonic.Popfq: return Implicit(ref op, XCode.Popf);
            case Mnemonic.Syscall: return Implicit(ref op, XCode.Syscall);
            case Mnemonic.Hlt: return Implicit(ref op, XCode.Hlt);
        }
        if (ins.ConditionCode != ConditionCode.None)
        {
            op.Cond = (byte)(ins.ConditionCode - 1);
            switch (ins.Mnemonic)
            {
                case >= Mnemonic.Ja and <= Mnemonic.Js when ins.Op0Kind == OpKind.NearBranch64:
                    op.Code = XCode.Jcc;
                    op.Size = 8;
                    op.Imm = (long)(ins.NearBranch64 - ins.NextIP);
                    return true;
                case >= Mnemonic.Seta and <= Mnemonic.Sets: return Operands(ins, ref op, XCode.Setcc);
                case >= Mnemonic.Cmova and <= Mnemonic.Cmovs: return Operands(ins, ref op, XCode.Cmovcc, 2);
            }
        }
        return StringOp(ins, ref op);
    }

    private static bool Mov(in Instruction ins, ref XOp op)
    {
        if (!Operands(ins, ref op, XCode.Mov, 2)) return false;
        if (op.Form == XForm.RI && op.Size == 4) op.Imm = (long)(uint)op.Imm;
        return true;
    }

    private static bool Extend(in Instruction ins, ref XOp op, XCode code)
    {
        if (!Operands(ins, ref op, code, 2)) return false;
        op.SrcSize = (byte)(ins.Op1Kind == OpKind.Register ? ins.Op1Register.GetSize() : ins.MemorySize.GetSize());
        return op.SrcSize is 1 or 2 or 4;
    }

    private static bool Shift(in Instruction ins, ref XOp op, XCode code)
    {
        op.CountInCl = ins.Op1Kind == OpKind.Register;
        op.Imm = op.CountInCl ? 0 : ins.Op1Kind == OpKind.Immediate8 ? ins.Immediate8 : 1;
        return Operands(ins, ref op, code) && !(op.CountInCl && ins.Op1Register != Register.CL);
    }

    private static bool Implicit(ref XOp op, XCode code)
    {
        op.Code = code;
        op.Size = 8;
        return true;
    }

    private static bool Branch(in Instruction ins, ref XOp op, XCode direct, XCode indirect)
    {
        if (ins.Op0Kind == OpKind.NearBranch64)
        {
            op.Code = direct;
            op.Size = 8;
            op.Imm = (long)(ins.NearBranch64 - ins.NextIP);
            return true;
        }
        return Operands(ins, ref op, indirect) && op.Size == 8 && op.Form is XForm.R or XForm.M;
    }

    private static bool StringOp(in Instruction ins, ref XOp op)
    {
        (XCode code, int size) = ins.Code switch
        {
            Code.Movsb_m8_m8 => (XCode.Movs, 1), Code.Movsw_m16_m16 => (XCode.Movs, 2), Code.Movsd_m32_m32 => (XCode.Movs, 4), Code.Movsq_m64_m64 => (XCode.Movs, 8),
            Code.Stosb_m8_AL => (XCode.Stos, 1), Code.Stosw_m16_AX => (XCode.Stos, 2), Code.Stosd_m32_EAX => (XCode.Stos, 4), Code.Stosq_m64_RAX => (XCode.Stos, 8),
            Code.Lodsb_AL_m8 => (XCode.Lods, 1), Code.Lodsw_AX_m16 => (XCode.Lods, 2), Code.Lodsd_EAX_m32 => (XCode.Lods, 4), Code.Lodsq_RAX_m64 => (XCode.Lods, 8),
            Code.Cmpsb_m8_m8 => (XCode.Cmps, 1), Code.Cmpsw_m16_m16 => (XCode.Cmps, 2), Code.Cmpsd_m32_m32 => (XCode.Cmps, 4), Code.Cmpsq_m64_m64 => (XCode.Cmps, 8),
            Code.Scasb_AL_m8 => (XCode.Scas, 1), Code.Scasw_AX_m16 => (XCode.Scas, 2), Code.Scasd_EAX_m32 => (XCode.Scas, 4), Code.Scasq_RAX_m64 => (XCode.Scas, 8),
            _ => (XCode.Invalid, 0),
        };
        if (code == XCode.Invalid) return false;
        for (int i = 0; i < ins.OpCount; i++)
            if (ins.GetOpKind(i) is OpKind.MemorySegESI or OpKind.MemorySegEDI or OpKind.MemoryESEDI)
                return false;   // 32-bit address size (esi/edi/ecx) is not supported
        op.Code = code;
        op.Size = (byte)size;
        bool compares = code is XCode.Cmps or XCode.Scas;
        op.Rep = ins.HasRepPrefix ? XRep.Rep : ins.HasRepnePrefix ? (compares ? XRep.Repne : XRep.Rep) : XRep.None;
        return true;
    }

    /// <summary>Sets the code and fills the register, memory and immediate fields from the first count operands,
    /// picking the form. Size is the first operand's size (the destination register's for lea). With
    /// immediateAfter, the immediate (imul3's factor) is already in Imm and stays there.</summary>
    private static bool Operands(in Instruction ins, ref XOp op, XCode code, int count = 1, bool immediateAfter = false)
    {
        op.Code = code;
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
        if (k1 == 'I' && !immediateAfter) op.Imm = (long)ins.GetImmediate(1);
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

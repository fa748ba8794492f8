using System.Runtime.InteropServices;

namespace VmLab.Sim.X86;

/// <summary>
/// What a decoded instruction does: one name per operation. Each name is also the name of the one method that
/// defines it (in <see cref="XOps{TBus}"/>, found by name), which the interpreter calls through a table and the
/// block translator calls from the IL it emits, so an instruction's semantics are written once.
/// </summary>
internal enum XCode : ushort
{
    Invalid,
    Nop,
    // two-operand ALU: destination r/m, source r/m/imm
    Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test,
    // one operand
    Not, Neg, Inc, Dec,
    // moves
    Mov, Movzx, Movsx, Lea, Xchg, Bswap, Cmovcc, Setcc,
    ExtendAcc,      // cbw cwde cdqe: sign-extend the low half of the accumulator (Size = the result's size)
    ExtendAccToDx,  // cwd cdq cqo: the accumulator's sign into dx/edx/rdx
    // multiply and divide
    Mul, Imul1,     // one operand: rdx:rax = rax * r/m
    Imul2,          // imul r, r/m
    Imul3,          // imul r, r/m, imm
    Div, Idiv,
    // shifts and rotates: count in cl (CountInCl) or Imm
    Rol, Ror, Rcl, Rcr, Shl, Shr, Sar, Shld, Shrd,
    // bits
    Bt, Bts, Btr, Btc, Bsf, Bsr, Tzcnt, Lzcnt, Popcnt,
    // atomics (lock is accepted, and means nothing more on one CPU)
    Xadd, Cmpxchg,
    // stack and control: branch displacements in Imm are from the next instruction
    Push, Pop, Call, CallInd, Ret, Jmp, JmpInd, Jcc, Leave, Enter,
    // strings (Rep says rep/repe or repne)
    Movs, Stos, Lods, Cmps, Scas,
    // flags
    Clc, Stc, Cmc, Cld, Std, Lahf, Sahf, Pushf, Popf,
    // events: they stop the CPU after retiring (syscall; hlt at supervisor privilege)
    Syscall, Hlt,
}

/// <summary>Operand forms: where the destination and source live.</summary>
internal enum XForm : byte
{
    None, RR, RI, RM, MR, MI, R, M, I,
}

/// <summary>The repeat prefix of a string instruction.</summary>
internal enum XRep : byte
{
    None,
    /// <summary>rep (movs stos lods), repe/repz (cmps scas).</summary>
    Rep,
    /// <summary>repne/repnz (cmps scas).</summary>
    Repne,
}

/// <summary>
/// One decoded instruction, position-independent (branch targets and rip-relative addresses are offsets from
/// the next instruction), so a decoded page is valid wherever the frame is mapped. Register numbers 0-15 are
/// rax..r15; 16-19 are ah, ch, dh, bh. Every field means one thing for every code.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XOp
{
    public XCode Code;
    public XForm Form;
    public byte Size;       // operand size in bytes (the destination's)
    public byte SrcSize;    // movzx/movsx source size
    public byte Len;        // instruction length
    public byte Dst;        // destination register (R, RR, RI, RM forms)
    public byte Src;        // source register (RR, MR forms; shld/shrd's fill register)
    public byte Cond;       // condition code 0-15 (o no b ae e ne be a s ns p np l ge le g)
    public byte Base;       // 0-15, NoReg, or RipReg
    public byte Index;      // 0-15 or NoReg
    public byte Scale;      // shift 0-3
    public XRep Rep;
    public bool Addr32;     // 32-bit address size
    public bool CountInCl;  // shifts: the count is cl, not Imm
    public ushort IcedCode; // Iced's Code, for messages
    public long Disp;       // memory displacement (rip-relative: from the next instruction)
    public long Imm;        // the immediate: ALU/mov source, shift count, imul3 factor, ret/enter bytes, branch offset
    public int Aux;         // SrcSize, Cond, Rep, CountInCl and Len packed (XAux), as the semantics take them

    public const byte NoReg = 0xFF;
    public const byte RipReg = 0xFE;
}

/// <summary>The small fields an instruction's semantics read only as values, packed into one parameter:
/// bits 0-3 SrcSize, 4-7 Cond, 8-9 Rep, 10 CountInCl, 11-15 Len.</summary>
internal static class XAux
{
    public static int Pack(in XOp op) =>
        op.SrcSize | (op.Cond << 4) | ((int)op.Rep << 8) | (op.CountInCl ? 1 << 10 : 0) | (op.Len << 11);

    public static int SrcSize(int aux) => aux & 15;
    public static int Cond(int aux) => (aux >> 4) & 15;
    public static XRep Rep(int aux) => (XRep)((aux >> 8) & 3);
    public static bool CountInCl(int aux) => (aux & (1 << 10)) != 0;
    public static int Len(int aux) => aux >> 11;
}

internal static class XCodes
{
    /// <summary>Control transfers and events end a decoded block.</summary>
    public static bool EndsBlock(XCode c) => c is XCode.Invalid or XCode.Call or XCode.CallInd or XCode.Ret
        or XCode.Jmp or XCode.JmpInd or XCode.Jcc or XCode.Syscall or XCode.Hlt;
}

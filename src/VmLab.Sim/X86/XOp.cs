using System.Runtime.InteropServices;

namespace VmLab.Sim.X86;

/// <summary>What a decoded instruction does. Hot register forms get their own kinds so the interpreter's
/// switch does the work in one step; everything else goes through the generic operand forms.</summary>
internal enum XKind : byte
{
    Invalid,
    Nop,
    // generic two-operand ALU (add or adc sbb and sub xor cmp test): Sub = the ALU operation
    Alu,
    AluRR64, AluRI64, AluRR32, AluRI32,
    Mov, MovRR64, MovRR32, MovRI, MovRM64, MovMR64, MovRM32, MovMR32,
    IncDecR,        // inc/dec of a 32/64-bit register: Sub 2 = inc, 3 = dec
    ImulR,          // imul r32/64, r (, imm)
    ShiftRI,        // shl/shr/sar of a 32/64-bit register by an immediate
    Movzx, Movsx,
    Lea,
    Unary,          // Sub: not neg inc dec
    Shift,          // Sub: rol ror rcl rcr shl shr sal sar; count from Imm or cl
    ShiftD,         // shld/shrd: Sub 0 = left, 1 = right
    Mul1,           // mul/imul r/m: rdx:rax = rax * src
    Imul2,          // imul r, r/m (, imm)
    Div,            // Sub 0 = div, 1 = idiv
    Push, Pop,
    Call, CallInd, Ret, Jmp, JmpInd, Jcc,
    Setcc, Cmovcc,
    Leave, Enter,
    Convert,        // Sub: cbw cwde cdqe (sign-extend al/ax/eax into the accumulator)
    ConvertD,       // Sub: cwd cdq cqo (sign of the accumulator into dx/edx/rdx)
    Bt,             // Sub: bt bts btr btc
    BitScan,        // Sub: bsf bsr tzcnt lzcnt popcnt
    Bswap,
    Xchg, Cmpxchg, Xadd,
    Str,            // string op, Sub: movs stos lods cmps scas; Rep: 0 none, 1 rep/repe, 2 repne
    FlagOp,         // Sub: clc stc cmc cld std lahf sahf pushf popf
    Syscall, Hlt,
}

/// <summary>Operand forms of the generic kinds: where the destination and source live.</summary>
internal enum XForm : byte
{
    RR, RI, RM, MR, MI, R, M, I, None,
}

/// <summary>
/// One decoded instruction, position-independent (branch targets and rip-relative addresses are stored as
/// offsets from the next instruction), so a decoded page is valid wherever the frame is mapped.
/// Register numbers 0-15 are rax..r15; 16-19 are ah, ch, dh, bh.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct XOp
{
    public XKind Kind;
    public XForm Form;
    public byte Sub;
    public byte Size;       // operand size in bytes (destination)
    public byte Len;        // instruction length
    public byte Dst;
    public byte Src;
    public byte SrcSize;    // movzx/movsx/movsxd source size; imul 3-operand: 1
    public byte Cond;       // condition code 0-15 (o no b ae e ne be a s ns p np l ge le g)
    public byte Base;       // 0-15, NoReg, or RipReg
    public byte Index;      // 0-15 or NoReg
    public byte Scale;      // shift 0-3
    public byte Rep;
    public bool Addr32;
    public ushort Code;     // Iced Code, for messages
    public long Disp;
    public long Imm;

    public const byte NoReg = 0xFF;
    public const byte RipReg = 0xFE;
}

/// <summary>The ALU operations of <see cref="XKind.Alu"/> in x86 /digit order, plus test.</summary>
internal enum AluOp : byte { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test }

using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace VmLab.X86.Tests.Diff;

/// <summary>What a faulting case was built to do (see <see cref="SequenceGenerator.FaultGroup"/>).</summary>
internal sealed class FaultPlan
{
    /// <summary>An access was aimed across a page boundary.</summary>
    public bool Straddles;
    /// <summary>Bytes to put at the very end of the code page: an instruction cut by the page end.</summary>
    public byte[]? PageEnd;
}

internal sealed partial class SequenceGenerator
{
    private static readonly Register[] Divisors =
    [
        Register.RBX, Register.RCX, Register.RSI, Register.RDI, Register.RBP, Register.R8, Register.R9, Register.R10,
        Register.R11, Register.R12, Register.R13, Register.R14, Register.R15,
    ];

    /// <summary>
    /// div or idiv at a random width with the dividend and divisor set first (movabs), aimed at the edges:
    /// INT_MIN:0 by -1 (rdx:rax = 0x8000...:0 at 64 bits), INT_MIN sign-extended by -1, a zero divisor, a quotient
    /// too large for the width, or one that fits; the bits above the width are random, as division must ignore
    /// them. The divisor is a register or, one time in three, a data word stored just before.
    /// </summary>
    private void DivideGroup(List<byte> code, ref ulong undefined, Dictionary<ulong, ulong> undefinedAt)
    {
        int size = 1 << _rng.Next(4), bits = size * 8;
        bool signed = _rng.Next(2) == 0;
        ulong mask = size == 8 ? ulong.MaxValue : (1UL << bits) - 1, sign = 1UL << (bits - 1);
        ulong hi, lo, d;
        switch (_rng.Next(5))
        {
            case 0: hi = sign; lo = 0; d = mask; signed = true; break;                 // INT_MIN:0 / -1
            case 1: hi = mask; lo = sign; d = mask; signed = true; break;              // INT_MIN (sign-extended) / -1
            case 2: hi = Value(); lo = Value(); d = 0; break;                          // by zero
            case 3: d = Value() & (mask >> 1); hi = d + (ulong)_rng.Next(0, 3); lo = Value(); break;   // hi >= d
            default: d = Value() | 1; hi = (Value() & mask) % (d & mask); lo = Value(); break;          // fits (unsigned)
        }
        ulong Noise() => size == 8 ? 0 : (ulong)_rng.NextInt64() & ~mask;
        Register divisor = Divisors[_rng.Next(Divisors.Length)];
        bool inMemory = _rng.Next(3) == 0;
        int start = code.Count;
        ulong at = X86Case.DataVa + (ulong)_rng.Next(0, 63) * 8;
        if (size == 1) Emit(code, Instruction.Create(Code.Mov_r64_imm64, Register.RAX, (long)(((hi & 0xFF) << 8) | (lo & 0xFF) | ((ulong)_rng.NextInt64() & ~0xFFFFUL))));
        else
        {
            Emit(code, Instruction.Create(Code.Mov_r64_imm64, Register.RAX, (long)((lo & mask) | Noise())));
            Emit(code, Instruction.Create(Code.Mov_r64_imm64, Register.RDX, (long)((hi & mask) | Noise())));
        }
        Emit(code, Instruction.Create(Code.Mov_r64_imm64, divisor, (long)((d & mask) | Noise())));
        if (inMemory) Emit(code, Instruction.Create(Code.Mov_rm64_r64, new MemoryOperand(Register.RIP, (long)at), divisor));
        for (int k = start; k < code.Count; k++) undefinedAt[X86Case.CodeVa + (ulong)k] = undefined;
        undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
        Code form = (size, signed) switch
        {
            (1, false) => Code.Div_rm8, (1, true) => Code.Idiv_rm8, (2, false) => Code.Div_rm16, (2, true) => Code.Idiv_rm16,
            (4, false) => Code.Div_rm32, (4, true) => Code.Idiv_rm32, (8, false) => Code.Div_rm64, _ => Code.Idiv_rm64,
        };
        Emit(code, inMemory
            ? Instruction.Create(form, new MemoryOperand(Register.RIP, (long)at))
            : Instruction.Create(form, Sized(divisor, size)));
        undefined |= Status;   // div leaves every status flag undefined
    }

    /// <summary>popcnt, tzcnt or lzcnt (their F3 prefix almost never comes out of random bytes) at 16, 32 or 64
    /// bits, from a register or a data word; each only where the host CPU has it (else the host would run bsf or
    /// bsr for those bytes).</summary>
    private void BitCountGroup(List<byte> code, ref ulong undefined, Dictionary<ulong, ulong> undefinedAt)
    {
        int which = _rng.Next(3), size = 2 << _rng.Next(3);
        if ((which == 0 && !Popcnt.IsSupported) || (which == 1 && !Bmi1.IsSupported) || (which == 2 && !Lzcnt.IsSupported)) return;
        Code form = (which, size) switch
        {
            (0, 2) => Code.Popcnt_r16_rm16, (0, 4) => Code.Popcnt_r32_rm32, (0, _) => Code.Popcnt_r64_rm64,
            (1, 2) => Code.Tzcnt_r16_rm16, (1, 4) => Code.Tzcnt_r32_rm32, (1, _) => Code.Tzcnt_r64_rm64,
            (2, 2) => Code.Lzcnt_r16_rm16, (2, 4) => Code.Lzcnt_r32_rm32, _ => Code.Lzcnt_r64_rm64,
        };
        Register dst = Sized(Gprs[_rng.Next(Gprs.Length)], size), src = Sized(Gprs[_rng.Next(Gprs.Length)], size);
        Instruction ins = _rng.Next(3) == 0
            ? Instruction.Create(form, dst, new MemoryOperand(Register.RIP, (long)(X86Case.DataVa + (ulong)_rng.Next(0, 512))))
            : Instruction.Create(form, dst, src);
        undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
        Emit(code, ins);
        undefined = (undefined & ~IcedFlags(ins.RflagsModified)) | IcedFlags(ins.RflagsUndefined);
    }

    /// <summary>
    /// The access that reaches past the data page: a random instruction whose memory operand is in the
    /// read-only page (reads work, writes fault with P|W|U), in the unmapped page, or across the data/read-only
    /// or read-only/unmapped boundary; a jmp or call through a register into the no-execute data page or the
    /// unmapped page; or a jump to an instruction cut by the end of the code page, whose rest would be fetched
    /// from the no-execute data page.
    /// </summary>
    private void FaultGroup(List<byte> code, ref ulong undefined, ref int depth, Dictionary<ulong, ulong> undefinedAt, FaultPlan plan)
    {
        int kind = _rng.Next(8);
        if (kind <= 4)
        {
            ulong target = kind switch
            {
                0 or 1 => X86Case.RoVa + (ulong)_rng.Next(0, 4089),
                2 => X86Case.NoneVa + (ulong)_rng.Next(0, 4089),
                3 => X86Case.RoVa - (ulong)_rng.Next(1, 8),
                _ => X86Case.NoneVa - (ulong)_rng.Next(1, 8),
            };
            plan.Straddles |= kind >= 3;
            RandomInstruction(code, ref undefined, ref depth, undefinedAt, target);
            return;
        }
        Register r = Divisors[_rng.Next(Divisors.Length)];
        ulong to;
        if (kind == 7)
        {
            plan.PageEnd = _rng.Next(3) switch { 0 => [0x48, 0xB8, 1, 2], 1 => [0x05, 0x10], _ => [0x0F] };
            to = X86Case.CodeVa + 4096 - (ulong)plan.PageEnd.Length;
        }
        else to = _rng.Next(2) == 0 ? X86Case.DataVa + (ulong)_rng.Next(0, 1024) : X86Case.NoneVa + (ulong)_rng.Next(0, 4096);
        undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
        Emit(code, Instruction.Create(Code.Lea_r64_m, r, new MemoryOperand(Register.RIP, (long)to)));
        undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
        Emit(code, Instruction.Create(_rng.Next(2) == 0 || depth > 120 ? Code.Jmp_rm64 : Code.Call_rm64, r));
    }

    private static Register Sized(Register r64, int size) => size switch
    {
        1 => r64 switch
        {
            Register.RBX => Register.BL, Register.RCX => Register.CL, Register.RSI => Register.SIL, Register.RDI => Register.DIL,
            Register.RBP => Register.BPL, Register.RAX => Register.AL, Register.RDX => Register.DL, _ => Register.R8L + (r64 - Register.R8),
        },
        2 => Register.AX + (r64 - Register.RAX),
        4 => Register.EAX + (r64 - Register.RAX),
        _ => r64,
    };
}

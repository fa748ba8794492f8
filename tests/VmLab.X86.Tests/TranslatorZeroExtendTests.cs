using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A compiled region reads a 32-bit register without masking it when the piece itself last wrote it zero-extended.
/// Each case leaves a register with bits above 31 set where that knowledge could be stale (a write on one path
/// only, a definition's call, a 64-bit pop or xchg, a block entered from two paths) and then reads it at 32 bits
/// (`mov esi, edx` must clear bits 32-63), and 32-bit operations of such registers; then random code over three
/// registers at every size. The same state as the interpreter at every timer stop and at the end.
/// </summary>
public class TranslatorZeroExtendTests
{
    public static TheoryData<string> Cases => new()
    {
        "bsf of 0 keeps a wide destination", "cmpxchg equal keeps a wide accumulator", "cmpxchg unequal keeps a wide destination",
        "lodsq writes a wide rax", "a block entered from two paths", "a block entered from two paths, narrow by the jump",
        "pop writes 64 bits", "64-bit and, or, xor with a wide immediate or memory operand", "xchg writes 64 bits",
        "32-bit operations of wide registers",
    };

    private static void Program(Assembler a, string hazard)
    {
        a.mov(edi, (uint)X86Machine.DataVa);
        TranslatorPair.Rounds(a, 300, 7, () => Hazard(a, hazard));   // a new wide value each time round
        a.mov(__qword_ptr[rdi + 8], r8);
    }

    private static void Hazard(Assembler a, string hazard)
    {
        switch (hazard)
        {
            case "bsf of 0 keeps a wide destination":
                a.mov(rdx, r9);
                a.xor(ebx, ebx);
                a.bsf(edx, ebx);
                Probe(a, edx);
                break;
            case "cmpxchg equal keeps a wide accumulator":
                a.mov(rax, r9);
                a.mov(ecx, eax);
                a.mov(ebx, 9);
                a.cmpxchg(ecx, ebx);
                Probe(a, eax);
                break;
            case "cmpxchg unequal keeps a wide destination":
                a.mov(rcx, r9);
                a.mov(eax, ecx);
                a.inc(eax);
                a.cmpxchg(ecx, ebx);
                Probe(a, ecx);
                break;
            case "lodsq writes a wide rax":
                a.mov(__qword_ptr[rdi + 64], r9);
                a.lea(rsi, __qword_ptr[rdi + 64]);
                a.mov(eax, 1);
                a.lodsq();
                Probe(a, eax);
                break;
            case "a block entered from two paths":
            {
                var join = a.CreateLabel();
                a.mov(rcx, r9);
                a.test(r15d, 1);
                a.jnz(join);             // rcx wide
                a.mov(ecx, 3);           // rcx narrow, falling through
                a.Label(ref join);
                Probe(a, ecx);
                break;
            }
            case "a block entered from two paths, narrow by the jump":
            {
                var join = a.CreateLabel();
                a.mov(ecx, 3);
                a.test(r15d, 1);
                a.jnz(join);             // rcx narrow
                a.mov(rcx, r9);          // rcx wide, falling through
                a.Label(ref join);
                Probe(a, ecx);
                break;
            }
            case "64-bit and, or, xor with a wide immediate or memory operand":
                a.mov(__qword_ptr[rdi + 64], r9);
                a.mov(rax, r9);
                a.and(rax, -16);
                Probe(a, eax);
                a.mov(eax, 5);
                a.or(rax, __qword_ptr[rdi + 64]);
                Probe(a, eax);
                a.mov(ecx, 7);
                a.xor(rcx, -1);
                Probe(a, ecx);
                a.mov(edx, 9);
                a.and(rdx, __qword_ptr[rdi + 64]);
                Probe(a, edx);
                break;
            case "pop writes 64 bits":
                a.mov(ecx, 1);
                a.push(r9);
                a.pop(rcx);
                Probe(a, ecx);
                break;
            case "xchg writes 64 bits":
                a.mov(eax, 1);
                a.mov(rbx, r9);
                a.xchg(rax, rbx);
                Probe(a, eax);
                break;
            default:
                a.mov(rax, r9);
                a.and(eax, unchecked((int)0xFFFF0F0F));
                a.add(r8, rax);
                a.mov(rax, r9);
                a.shr(eax, 3);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.sar(eax, 5);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.neg(eax);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.xor(eax, 0x7F);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.imul(eax, eax, 3);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.rol(eax, 9);
                a.add(r8, rax);
                a.mov(rax, r9);
                a.shr(rax, 40);          // narrow from here
                a.and(eax, unchecked((int)0xFFFFFF00));
                Probe(a, eax);
                a.mov(rbx, r9);
                a.movsxd(rbx, ebx);
                a.add(r8, rbx);
                break;
        }
    }

    /// <summary>Random straight-line code over rax, rcx and rdx at every size (ALU forms with registers,
    /// immediates and memory, unary forms, shifts and rotates, imul, movzx, movsx, movsxd), folded into r8 every
    /// few instructions, so that 32-bit reads meet every kind of write before them.</summary>
    private static void RandomProgram(Assembler a, int seed)
    {
        var rng = new Random(seed);
        a.mov(edi, (uint)X86Machine.DataVa);
        TranslatorPair.Rounds(a, 200, 7, () =>
        {
            a.mov(rax, r9);
            a.mov(rcx, r9);
            a.not(rcx);
            a.mov(rdx, r9);
            a.rol(rdx, 32);
            a.mov(__qword_ptr[rdi + 64], r9);
            for (int k = 0; k < 400; k++)
            {
                a.AddInstruction(RandomInstruction(rng));
                if (k % 4 == 3)
                {
                    a.add(r8, rax);
                    a.xor(r8, rcx);
                    a.rol(r8, 7);
                    a.add(r8, rdx);
                }
            }
        });
        a.mov(__qword_ptr[rdi + 8], r8);
    }

    private static readonly Register[][] Registers =
    [
        [Register.AL, Register.CL, Register.DL], [Register.AX, Register.CX, Register.DX],
        [Register.EAX, Register.ECX, Register.EDX], [Register.RAX, Register.RCX, Register.RDX],
    ];

    private static readonly long[] Immediates = [0, 1, -1, -16, 0x7F, 0xFF, 0x7FFF_FFFF, int.MinValue, 0x1234_5678, 31, 32, 40];

    private static Instruction RandomInstruction(Random rng)
    {
        while (true)
        {
            int w = rng.Next(8) switch { 0 => 0, 1 => 1, < 5 => 2, _ => 3 }, bits = 8 << w;   // mostly 32 and 64 bits
            Register r = Registers[w][rng.Next(3)], s = Registers[w][rng.Next(3)];
            long imm = Immediates[rng.Next(Immediates.Length)];
            var mem = new MemoryOperand(Register.RDI, 64 + rng.Next(4));
            string[] alu = ["Add", "Or", "And", "Sub", "Xor", "Cmp", "Test", "Adc", "Sbb", "Mov"];
            string[] unary = ["Inc", "Dec", "Neg", "Not"];
            string[] shifts = ["Shl", "Shr", "Sar", "Rol", "Ror"];
            string mn = alu[rng.Next(alu.Length)];
            int immBits = Math.Min(bits, 32);
            (string Name, Func<Code, Instruction> Make) form = rng.Next(9) switch
            {
                0 => ($"{mn}_rm{bits}_r{bits}", c => Instruction.Create(c, r, s)),
                1 => ($"{mn}_rm{bits}_imm{immBits}", c => Instruction.Create(c, r, bits == 8 ? (sbyte)imm : bits == 16 ? (short)imm : (int)imm)),
                2 => ($"{mn}_rm{bits}_imm8", c => Instruction.Create(c, r, (int)(sbyte)imm)),
                3 => ($"{mn}_r{bits}_rm{bits}", c => Instruction.Create(c, r, mem)),
                4 => ($"{unary[rng.Next(4)]}_rm{bits}", c => Instruction.Create(c, r)),
                5 => ($"{shifts[rng.Next(5)]}_rm{bits}_imm8", c => Instruction.Create(c, r, rng.Next(1, 70))),
                6 => ($"Imul_r{bits}_rm{bits}", c => Instruction.Create(c, r, s)),
                7 => ($"Imul_r{bits}_rm{bits}_imm8", c => Instruction.Create(c, r, s, (int)(sbyte)imm)),
                _ => rng.Next(3) switch
                {
                    0 => ($"Movzx_r{Math.Max(bits, 32)}_rm8", c => Instruction.Create(c, Registers[Math.Max(w, 2)][rng.Next(3)], Registers[0][rng.Next(3)])),
                    1 => ($"Movsx_r{Math.Max(bits, 32)}_rm16", c => Instruction.Create(c, Registers[Math.Max(w, 2)][rng.Next(3)], Registers[1][rng.Next(3)])),
                    _ => ("Movsxd_r64_rm32", c => Instruction.Create(c, Registers[3][rng.Next(3)], Registers[2][rng.Next(3)])),
                },
            };
            if (Enum.TryParse(form.Name, out Code code)) return form.Make(code);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Random_code_over_three_registers_ends_in_the_interpreters_state(int seed)
    {
        foreach (int threshold in (int[])[0, 20])
        {
            var (t, i) = TranslatorPair.Of(a => RandomProgram(a, seed));
            t.Cpu.TranslationThreshold = threshold;
            TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode);
        }
    }

    /// <summary>reg read at 32 bits into rsi (the rest cleared), summed into r8.</summary>
    private static void Probe(Assembler a, AssemblerRegister32 reg)
    {
        a.mov(esi, reg);
        a.add(r8, rsi);
        a.xor(r8, r9);
    }

    /// <summary>Compiled from the first run (each block its own region) and after 20 runs (the loop's blocks one
    /// region, a block reached from two others one piece in it).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void A_register_read_at_32_bits_is_zero_extended_as_the_interpreter_reads_it(string hazard)
    {
        foreach (int threshold in (int[])[0, 20])
        {
            var (t, i) = TranslatorPair.Of(a => Program(a, hazard));
            t.Cpu.TranslationThreshold = threshold;
            TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_timer_stop_finds_both_machines_alike(string hazard)
    {
        var (t, i) = TranslatorPair.Of(a => Program(a, hazard));
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 64;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }
}

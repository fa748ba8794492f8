using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A conditional jump right after the cmp or test that set its flags is compiled to one compare-and-branch on
/// the operands: every condition, at every operand size, on values at the edges of each size, must branch as the
/// interpreter's flags say, and a timer stop between the compare and the jump must find the same flags.
/// </summary>
public class TranslatorBranchTests
{
    private static readonly ulong[] Values =
    [
        0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 0x1234_5678_9ABC_DEF0, 0xFEDC_BA98_7654_3281,
    ];

    private static readonly Action<Assembler, Label>[] Jumps =
    [
        (a, l) => a.jo(l), (a, l) => a.jno(l), (a, l) => a.jb(l), (a, l) => a.jae(l),
        (a, l) => a.je(l), (a, l) => a.jne(l), (a, l) => a.jbe(l), (a, l) => a.ja(l),
        (a, l) => a.js(l), (a, l) => a.jns(l), (a, l) => a.jp(l), (a, l) => a.jnp(l),
        (a, l) => a.jl(l), (a, l) => a.jge(l), (a, l) => a.jle(l), (a, l) => a.jg(l),
    ];

    private static readonly Action<Assembler>[] Compares =
    [
        a => a.cmp(al, bl), a => a.cmp(ax, bx), a => a.cmp(eax, ebx), a => a.cmp(rax, rbx),
        a => a.test(al, bl), a => a.test(ax, bx), a => a.test(eax, ebx), a => a.test(rax, rbx),
    ];

    /// <summary>For every pair of Values (rax, rbx): each compare followed by each jump, its outcome shifted
    /// into r8 (cmp) or r9 (test); the pair's bits folded into r10 and r11.</summary>
    private static void Branches(Assembler a)
    {
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        a.mov(esi, (uint)X86Machine.DataVa);
        a.xor(r12d, r12d);
        a.Label(ref outer);
        a.xor(r13d, r13d);
        a.Label(ref inner);
        a.mov(rax, __qword_ptr[rsi + r12 * 8]);
        a.mov(rbx, __qword_ptr[rsi + r13 * 8]);
        for (int c = 0; c < Compares.Length; c++)
        {
            var bits = c < 4 ? r8 : r9;
            foreach (var jump in Jumps)
            {
                var taken = a.CreateLabel();
                var next = a.CreateLabel();
                a.lea(bits, __[bits + bits]);
                Compares[c](a);
                jump(a, taken);
                a.jmp(next);
                a.Label(ref taken);
                a.or(bits, 1);
                a.Label(ref next);
            }
        }
        a.rol(r10, 7);
        a.xor(r10, r8);
        a.rol(r11, 7);
        a.xor(r11, r9);
        a.inc(r13);
        a.cmp(r13, Values.Length);
        a.jne(inner);
        a.inc(r12);
        a.cmp(r12, Values.Length);
        a.jne(outer);
    }

    private static (X86Machine Translated, X86Machine Interpreted) Pair()
    {
        var t = new X86Machine(Branches);
        t.Cpu.TranslationThreshold = 0;
        var i = new X86Machine(Branches);
        i.Cpu.Translation = false;
        byte[] table = Values.SelectMany(BitConverter.GetBytes).ToArray();
        t.Memory.Poke(X86Machine.DataVa, table);
        i.Memory.Poke(X86Machine.DataVa, table);
        return (t, i);
    }

    private static void Same(X86Machine t, X86Machine i, StopReason expected)
    {
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(expected, si);
        Assert.Equal(si, st);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), $"registers, rip or flags differ at rip 0x{i.Cpu.Rip:x}");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
    }

    [Fact]
    public void Every_condition_after_cmp_and_test_at_every_size_branches_as_the_interpreter_does()
    {
        var (t, i) = Pair();
        Same(t, i, StopReason.InvalidOpcode);
        Assert.True(t.Cpu.TranslationStats.Regions > 0, "nothing was translated");
        Assert.NotEqual(0UL, t[Reg.R10] ^ t[Reg.R11]);
    }

    [Fact]
    public void A_timer_stop_anywhere_between_a_compare_and_its_jump_leaves_the_compares_flags()
    {
        var (t, i) = Pair();
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 37;   // prime: stops fall on every instruction of the blocks
        for (int k = 0; k < 400; k++) Same(t, i, StopReason.Timer);
        Assert.True(t.Cpu.TranslationStats.Entries > 0);
    }
}

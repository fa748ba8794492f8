using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// bt on a register compiled into a region: CF is the bit (the offset masked to the width, by register and by
/// immediate, at 32 and 64 bits) and every other flag stays as the instruction before left it, read right after
/// (setz, jcc, adc): the same state as the interpreter at every timer stop and at the end.
/// </summary>
public class TranslatorBitTestTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(BitTests);

    private static void BitTests(Assembler a)
    {
        var loop = a.CreateLabel();
        var skip = a.CreateLabel();
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(ebp, ebp);                  // the bit offset, 0..99: past the width, masked
        a.mov(r15d, 2000);
        a.Label(ref loop);
        a.cmp(rbp, 50);                   // ZF, SF and OF that bt must leave
        a.bt(r8, rbp);
        a.setb(r9b);
        a.setz(r10b);
        a.setl(r11b);
        a.add(r12, r9);
        a.lea(r12, __qword_ptr[r12 + r10 * 2]);
        a.lea(r12, __qword_ptr[r12 + r11 * 4]);
        a.bt(r8d, ebp);                   // 32 bits
        a.adc(r13, 0);
        a.bt(r8, 37);                     // immediate offset
        a.jae(skip);
        a.add(r14, 1);
        a.Label(ref skip);
        a.test(r8, r8);
        a.bt(r8, 3);                      // after test: the other flags are test's
        a.setne(r9b);
        a.add(r13, r9);
        a.rol(r8, 7);
        a.xor(r8, r12);
        a.add(ebp, 1);
        a.cmp(ebp, 100);
        a.cmovae(ebp, eax);               // rax is 0: back to offset 0
        a.dec(r15d);
        a.jnz(loop);
        a.ud2();
    }

    [Fact]
    public void Bit_tests_compiled_into_a_region_end_as_interpreted_without_calling_the_interpreter()
    {
        var (t, i) = Pair();
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.InvalidOpcode, si);
        Assert.Equal(si, st);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        var (direct, helpers) = t.Cpu.TranslationForms;
        Assert.True(direct > 0, "nothing was compiled");
        Assert.False(helpers.ContainsKey("Bt"), "bt called the interpreter's method");
    }

    [Theory]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(999)]
    public void Every_timer_stop_finds_both_machines_alike(int interval)
    {
        var (t, i) = Pair();
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = interval;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }
}

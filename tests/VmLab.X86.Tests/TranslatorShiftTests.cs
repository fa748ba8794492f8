using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// shl, shr and sar by cl compiled into a region: every count from 0 to 70 (masked as x86 masks it) at 32 and 64
/// bits, register and memory destinations, and the flags a count of 0 must leave as they were read right after the
/// shift: the same state as the interpreter at every timer stop and at the end.
/// </summary>
public class TranslatorShiftTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Shifts);

    private static void Shifts(Assembler a)
    {
        var loop = a.CreateLabel();
        var skip = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(ebp, ebp);                  // the count, 0..70 again and again
        a.mov(r15d, 2000);
        a.Label(ref loop);
        a.mov(ecx, ebp);
        a.mov(rax, r8);
        a.cmp(rbp, 35);                   // CF and ZF a count of 0 must leave
        a.shl(rax, cl);
        a.setb(r9b);
        a.setz(r10b);
        a.add(r11, rax);
        a.add(r11, r9);
        a.add(r11, r10);
        a.mov(edx, r8d);
        a.cmp(ebp, 3);
        a.sar(edx, cl);                   // 32 bits: zero-extended even for a count of 0
        a.jbe(skip);                      // the cmp's flags when cl & 31 is 0, the shift's otherwise
        a.add(r12, rdx);
        a.Label(ref skip);
        a.add(r12, 1);
        a.mov(__qword_ptr[rdi + 8], r8);
        a.shr(__qword_ptr[rdi + 8], cl);  // memory destination
        a.adc(r13, __qword_ptr[rdi + 8]);
        a.sar(r8, cl);
        a.xor(r8, r11);
        a.rol(r8, 13);
        a.add(ebp, 1);
        a.cmp(ebp, 71);
        a.cmovae(ebp, r14d);              // r14 is 0: back to a count of 0
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 16], r11);
        a.ud2();
    }

    [Fact]
    public void Shifts_by_cl_compiled_into_a_region_end_as_interpreted_without_calling_the_interpreter()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Shl", "Shr", "Sar");
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

using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// 8- and 16-bit shl, shr and sar by an immediate and by cl (every count from 0 to 70, so past the width: a byte
/// shifted by 9..31), register and memory destinations, and rol and ror by cl at every size, compiled into a
/// region: CF, OF, ZF, SF and PF read right after, and the flags a count of 0 must keep. The same state as the
/// interpreter at every timer stop and at the end, memory included.
/// </summary>
public class TranslatorNarrowShiftTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Shifts);

    private static void Shifts(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(ebp, ebp);                  // the count, 0..70 again and again
        a.mov(r15d, 1500);
        a.xor(r9d, r9d);
        a.xor(r10d, r10d);
        a.xor(r11d, r11d);
        a.Label(ref loop);
        a.mov(ecx, ebp);
        a.mov(rax, r8);
        a.cmp(rbp, 35);                   // the flags a count of 0 must keep
        a.shl(al, cl);
        TranslatorPair.FoldFlags(a);
        a.mov(rdx, r8);
        a.shr(dx, cl);
        TranslatorPair.FoldFlags(a);
        a.mov(rbx, r8);
        a.sar(bl, cl);
        TranslatorPair.FoldFlags(a);
        a.sar(bx, 3);
        TranslatorPair.FoldFlags(a);
        a.shl(dl, 7);
        TranslatorPair.FoldFlags(a);
        a.shr(ax, 1);
        TranslatorPair.FoldFlags(a);
        a.mov(__qword_ptr[rdi + 8], r8);
        a.shl(__word_ptr[rdi + 8], cl);   // memory destinations
        TranslatorPair.FoldFlags(a);
        a.sar(__byte_ptr[rdi + 11], cl);
        TranslatorPair.FoldFlags(a);
        a.shr(__byte_ptr[rdi + 12], 5);
        TranslatorPair.FoldFlags(a);
        a.rol(sil, cl);                   // rotates by cl, every size
        TranslatorPair.FoldFlags(a);
        a.ror(si, cl);
        TranslatorPair.FoldFlags(a);
        a.rol(esi, cl);
        TranslatorPair.FoldFlags(a);
        a.ror(rsi, cl);
        TranslatorPair.FoldFlags(a);
        a.rol(__word_ptr[rdi + 16], cl);
        TranslatorPair.FoldFlags(a);
        a.add(rsi, rax);
        a.add(rsi, rbx);
        a.xor(rsi, rdx);
        a.xor(rsi, __qword_ptr[rdi + 8]);
        a.xor(r8, rsi);
        a.add(r8, r12);
        a.rol(r8, 13);
        a.add(ebp, 1);
        a.cmp(ebp, 71);
        a.cmovae(ebp, r14d);              // r14 is 0: back to a count of 0
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 24], r12);
        a.mov(__qword_ptr[rdi + 32], r13);
    }

    [Fact]
    public void Narrow_shifts_and_rotates_by_cl_compiled_into_a_region_end_in_the_interpreters_state()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Shl", "Shr", "Sar", "Rol", "Ror");
    }

    [Theory]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(999)]
    public void Every_timer_stop_finds_both_machines_alike(int interval)
    {
        var (t, i) = Pair();
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = interval;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }
}

using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// shld and shrd compiled into a region at 16, 32 and 64 bits, by an immediate and by cl (every count from 0 to
/// 70: masked, 16-bit counts past the width through Intel's longer pattern), register and memory destinations,
/// flags read right after and kept by a count of 0: the same state as the interpreter at every timer stop and at
/// the end, memory included.
/// </summary>
public class TranslatorShiftDoubleTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Shifts);

    private static void Shifts(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(ebp, ebp);
        a.mov(r15d, 1500);
        a.xor(r9d, r9d);
        a.xor(r10d, r10d);
        a.xor(r11d, r11d);
        a.Label(ref loop);
        a.mov(ecx, ebp);
        a.mov(rax, r8);
        a.mov(rdx, r12);
        a.cmp(rbp, 35);                   // the flags a count of 0 must keep
        a.shld(rax, rdx, cl);
        TranslatorPair.FoldFlags(a);
        a.shrd(eax, edx, cl);
        TranslatorPair.FoldFlags(a);
        a.shld(ax, dx, cl);
        TranslatorPair.FoldFlags(a);
        a.shrd(dx, ax, cl);
        TranslatorPair.FoldFlags(a);
        a.shrd(rdx, rax, 13);
        TranslatorPair.FoldFlags(a);
        a.shld(edx, eax, 31);
        TranslatorPair.FoldFlags(a);
        a.mov(__qword_ptr[rdi + 8], r8);
        a.shld(__qword_ptr[rdi + 8], rdx, cl);
        TranslatorPair.FoldFlags(a);
        a.shrd(__word_ptr[rdi + 10], ax, cl);
        TranslatorPair.FoldFlags(a);
        a.shrd(__dword_ptr[rdi + 12], edx, 7);
        TranslatorPair.FoldFlags(a);
        a.add(rax, rdx);
        a.xor(rax, __qword_ptr[rdi + 8]);
        a.xor(r8, rax);
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
    public void Double_shifts_compiled_into_a_region_end_in_the_interpreters_state()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Shld", "Shrd");
    }

    [Theory]
    [InlineData(37)]
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

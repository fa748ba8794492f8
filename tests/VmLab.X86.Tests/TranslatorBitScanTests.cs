using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// bsf, bsr, tzcnt, lzcnt and popcnt compiled into a region at 16, 32 and 64 bits, from registers and memory,
/// with a zero source one time in four (bsf and bsr then set ZF and leave the destination as it was, all 64 bits
/// of it; tzcnt and lzcnt give the width and set CF), every status flag read right after; bswap at 32 and 64 bits.
/// The same state as the interpreter at every timer stop and at the end, memory included.
/// </summary>
public class TranslatorBitScanTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Scans);

    private static void Flags(Assembler a, AssemblerRegister64 into)
    {
        a.setz(al);
        a.setb(bl);
        a.sets(cl);
        a.setp(dl);
        a.lea(into, __qword_ptr[into + rax * 2]);
        a.lea(into, __qword_ptr[into + rbx * 4]);
        a.lea(into, __qword_ptr[into + rcx * 8]);
        a.add(into, rdx);
        a.rol(into, 5);
    }

    private static void Scans(Assembler a)
    {
        var loop = a.CreateLabel();
        var nonzero = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.mov(r15d, 1000);
        a.xor(eax, eax);
        a.xor(ebx, ebx);
        a.xor(ecx, ecx);
        a.xor(edx, edx);
        a.Label(ref loop);
        a.mov(rsi, r8);
        a.shr(rsi, 13);                   // some bits, some runs of zeros
        a.and(rsi, r8);
        a.test(r15d, 3);
        a.jnz(nonzero);
        a.xor(esi, esi);                  // a zero source
        a.Label(ref nonzero);
        a.mov(__qword_ptr[rdi], rsi);
        a.mov(r9, r8);                    // destinations with every bit set where bsf may keep them
        a.cmp(r15, 500);                  // a record the scans replace unseen
        a.bsf(r9, rsi);
        Flags(a, r12);
        a.add(r12, r9);
        a.mov(r10, r8);
        a.bsr(r10d, __dword_ptr[rdi]);
        Flags(a, r12);
        a.add(r12, r10);
        a.mov(r11, r8);
        a.bsf(r11w, si);
        a.add(r12, r11);
        a.bsr(r11, __qword_ptr[rdi]);
        Flags(a, r13);
        a.add(r13, r11);
        a.tzcnt(r9, rsi);
        Flags(a, r13);
        a.add(r13, r9);
        a.lzcnt(r10d, esi);
        Flags(a, r13);
        a.add(r13, r10);
        a.tzcnt(r9w, __word_ptr[rdi + 2]);
        Flags(a, r14);
        a.lzcnt(r10, __qword_ptr[rdi]);
        a.add(r14, r9);
        a.add(r14, r10);
        a.popcnt(r9, rsi);
        Flags(a, r14);
        a.popcnt(r10w, si);
        a.popcnt(r11d, __dword_ptr[rdi + 4]);
        Flags(a, r14);
        a.add(r14, r9);
        a.add(r14, r10);
        a.add(r14, r11);
        a.bswap(r12d);
        a.bswap(r13);
        a.xor(r8, r12);
        a.add(r8, r13);
        a.rol(r8, 17);
        a.add(r8, r14);
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 8], r12);
        a.mov(__qword_ptr[rdi + 16], r13);
        a.mov(__qword_ptr[rdi + 24], r14);
    }

    [Fact]
    public void Bit_scans_compiled_into_a_region_end_in_the_interpreters_state()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Bsf", "Bsr", "Tzcnt", "Lzcnt", "Popcnt", "Bswap");
    }

    [Theory]
    [InlineData(29)]
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

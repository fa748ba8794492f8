using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// The high byte registers (ah, ch, dh, bh: bits 8-15 of rax..rbx) compiled into a region: read, written (the rest of
/// the register kept), as ALU operands with the low bytes and memory, in movzx/movsx, setcc, inc, shifts and xchg.
/// gcc emits them for __builtin_parity (`xor %ch,%cl`) and byte shuffles (`mov %bl,%ah`). The same state as the
/// interpreter at every timer stop and at the end.
/// </summary>
public class TranslatorHighByteTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(HighBytes);

    private static void HighBytes(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.mov(r15d, 700);
        a.Label(ref loop);
        a.mov(rax, r8);
        a.mov(rbx, r8);
        a.ror(rbx, 11);
        a.mov(rcx, r8);
        a.rol(rcx, 23);
        a.mov(rdx, r8);
        a.shr(rdx, 3);
        a.xor(ch, cl);                    // __builtin_parity's step
        a.setnp(ah);
        a.add(bh, al);
        a.adc(dh, ch);
        a.sub(ah, bl);
        a.mov(bl, ah);
        a.mov(ah, dl);
        a.cmp(bh, ah);
        a.setb(ch);
        a.inc(dh);
        a.shl(ah, 3);
        a.sar(bh, 1);
        a.xchg(al, ah);
        a.movzx(esi, bh);
        a.movsx(ebp, ch);
        a.and(dh, __byte_ptr[rdi + 3]);
        a.mov(__byte_ptr[rdi + 1], ah);
        a.or(__byte_ptr[rdi + 2], dh);
        a.test(ah, bh);
        a.setz(cl);
        a.neg(ch);
        a.not(bh);
        a.xor(r8, rax);
        a.add(r8, rbx);
        a.rol(r8, 13);
        a.add(r8, rcx);
        a.xor(r8, rdx);
        a.add(r8, rsi);
        a.add(r8, rbp);
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 8], r8);
    }

    [Fact]
    public void High_byte_registers_compiled_into_a_region_end_in_the_interpreters_state()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode);
        Assert.True(t.Cpu.TranslationForms.Helpers.Count == 0, "called the interpreter's method: " + string.Join(", ", t.Cpu.TranslationForms.Helpers.Keys));
    }

    [Theory]
    [InlineData(7)]
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

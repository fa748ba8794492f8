using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A compiled div or idiv whose dividend is its low half extended (after `xor edx, edx`, `cdq` or `cqo`) and whose
/// divisor cannot fault is the host's own division; every other one goes to the definition. Both kinds at 32 and
/// 64 bits, signed and unsigned, with positive and negative operands, divisors of -1, and high halves that are not
/// the extension: the same state as the interpreter at the end and at every timer stop.
/// </summary>
public class TranslatorQuickDivideTests
{
    private static void Divisions(Assembler a)
    {
        TranslatorPair.Rounds(a, 400, 9, () =>
        {
            a.mov(r10, r9);
            a.sar(r10, 17);
            a.or(r10, 3);                    // a divisor of either sign, never 0 or -1
            a.mov(rax, r9);
            a.cqo();
            a.idiv(r10);                     // signed 64, quick
            Fold(a);
            a.mov(rax, r9);
            a.xor(edx, edx);
            a.div(r10);                      // unsigned 64, quick
            Fold(a);
            a.mov(rax, r9);
            a.cqo();
            a.mov(rbx, -1);
            a.idiv(rbx);                     // signed 64 by -1: the definition
            Fold(a);
            a.mov(rax, r9);
            a.mov(edx, 5);
            a.mov(rbx, r9);
            a.bts(rbx, 40);
            a.div(rbx);                      // unsigned 64, rdx not 0: the definition
            Fold(a);
            a.mov(rax, r9);
            a.xor(edx, edx);
            a.mov(rbx, 1L << 62);
            a.idiv(rbx);                     // signed 64, rdx 0 but rax negative: the definition
            Fold(a);
            a.mov(eax, r9d);
            a.cdq();
            a.idiv(r10d);                    // signed 32, quick (or the definition when r10d is -1)
            Fold(a);
            a.mov(eax, r9d);
            a.or(eax, 1);
            a.cdq();
            a.mov(ecx, -1);
            a.idiv(ecx);                     // signed 32 by -1: the definition
            Fold(a);
            a.mov(eax, r9d);
            a.xor(edx, edx);
            a.div(r10d);                     // unsigned 32, quick
            Fold(a);
            a.mov(eax, r9d);
            a.mov(edx, 2);
            a.mov(ebx, 0x10000);
            a.or(ebx, r10d);
            a.div(ebx);                      // unsigned 32, edx not 0: the definition
            Fold(a);
        });
        a.mov(r15, (long)X86Machine.DataVa);
        a.mov(__qword_ptr[r15 + 8], r8);
    }

    private static void Fold(Assembler a)
    {
        a.add(r8, rax);
        a.rol(r8, 11);
        a.xor(r8, rdx);
    }

    [Fact]
    public void Divisions_end_in_the_interpreters_state()
    {
        var (t, i) = TranslatorPair.Of(Divisions);
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Div", "Idiv");
    }

    [Fact]
    public void Every_timer_stop_finds_both_machines_alike()
    {
        var (t, i) = TranslatorPair.Of(Divisions);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 64;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }
}

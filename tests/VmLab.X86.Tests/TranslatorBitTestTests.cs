using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// bt, bts, btr and btc compiled into a region, on registers and memory at 16, 32 and 64 bits: CF is the bit (a
/// register offset masked to the width, an immediate one too, a register offset into memory addressing the bit
/// string's word below or above the operand), and every other flag stays as the instruction before left it (cmp,
/// test, add, inc, imul's OF, a shift, a rotate's eager flags, another bit test), read right after by setcc, jcc,
/// adc and cmov; then a bts walking off the data page faults with the flags of the cmp before it. The same state
/// as the interpreter at every timer stop and at the end, memory included.
/// </summary>
public class TranslatorBitTestTests
{
    private const ulong BitString = X86Machine.DataVa + 2048;

    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(BitTests);

    private static void BitTests(Assembler a)
    {
        var loop = a.CreateLabel();
        var skip = a.CreateLabel();
        var skip2 = a.CreateLabel();
        var walk = a.CreateLabel();
        a.mov(edi, (uint)BitString);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(ebp, ebp);
        a.mov(r15d, 1200);
        a.Label(ref loop);
        a.imul(esi, ebp, 53);
        a.and(esi, 0x1FFF);
        a.sub(rsi, 0x1000);               // -4096..4095 bits: 512 bytes below to 511 above the string's start
        a.mov(__qword_ptr[rdi + rbp * 8 - 1024], r8);
        a.cmp(rbp, 700);                  // ZF, SF and OF that bt must leave
        a.bt(__qword_ptr[rdi], rsi);
        a.setb(r9b);
        a.setz(r10b);
        a.setl(r11b);
        a.add(r12, r9);
        a.lea(r12, __qword_ptr[r12 + r10 * 2]);
        a.lea(r12, __qword_ptr[r12 + r11 * 4]);
        a.test(r8, r8);
        a.bts(__qword_ptr[rdi], rsi);     // read-modify-write of the word that holds the bit
        a.adc(r13, 0);
        a.inc(r14);                       // keeps adc's CF
        a.btr(__dword_ptr[rdi + 4], esi); // 32 bits: the offset sign-extended from esi
        a.sete(r9b);                      // inc's ZF
        a.setb(r10b);
        a.add(r13, r9);
        a.lea(r13, __qword_ptr[r13 + r10 * 2]);
        a.add(r8, r12);
        a.btc(__word_ptr[rdi], si);       // 16 bits
        a.jo(skip);                       // add's OF
        a.cmovb(r11, r8);                 // btc's CF
        a.add(r12, r11);
        a.Label(ref skip);
        a.imul(r10, r8);
        a.bt(r10, 5);
        a.seto(al);                       // imul's OF after a bit test replaced CF
        a.sbb(r13, rax);
        a.bts(r8w, 9);                    // registers: 16 bits, immediate offset
        a.btr(r8d, ebp);                  // 32 bits (zero-extends), offset masked to 31
        a.btc(r8, rbp);                   // 64 bits, offset masked to 63
        a.bt(r8d, 37);                    // immediate past the width: masked to 5
        a.rcl(r12, 1);
        a.ror(r8, 5);                     // eager flags
        a.bt(r8, 63);
        a.sets(r9b);
        a.setb(r10b);
        a.bt(r8, 62);                     // a bit test after a bit test
        a.jae(skip2);
        a.add(r12, r9);
        a.lea(r12, __qword_ptr[r12 + r10 * 2]);
        a.Label(ref skip2);
        a.shl(r11, 3);
        a.bt(__qword_ptr[rdi + 8], 200);  // memory, immediate offset masked to 8
        a.setp(r9b);                      // the shift's PF
        a.setb(r10b);
        a.add(r13, r9);
        a.lea(r13, __qword_ptr[r13 + r10 * 2]);
        a.xor(r8, r13);
        a.add(ebp, 1);
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 512], r12);
        a.mov(__qword_ptr[rdi + 520], r13);
        a.xor(esi, esi);
        a.Label(ref walk);                // up through the data page into the unmapped page after it
        a.add(rsi, 509);
        a.cmp(rbp, rsi);
        a.bts(__qword_ptr[rdi], rsi);
        a.jmp(walk);
    }

    [Fact]
    public void Bit_tests_compiled_into_a_region_end_in_the_interpreters_state_and_fault()
    {
        var (t, i) = Pair();
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.Fault, si);
        Assert.Equal(si, st);
        Assert.Equal(FaultKind.PageFault, t.Cpu.LastFault.Kind);
        Assert.Equal(X86Machine.DataVa + 4096, t.Cpu.LastFault.Address);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        var (direct, helpers, _) = t.Cpu.TranslationForms;
        Assert.True(direct > 0, "nothing was compiled");
        foreach (string code in (string[])["Bt", "Bts", "Btr", "Btc"])
            Assert.False(helpers.ContainsKey(code), $"{code} called the interpreter's method");
    }

    [Theory]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(999)]
    public void Every_timer_stop_finds_both_machines_alike(int interval)
    {
        var (t, i) = Pair();
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = interval;
        Assert.Equal(StopReason.Fault, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }

    [Fact]
    public void A_bit_test_into_read_only_memory_reads_and_one_that_writes_faults_with_the_flags_before_it()
    {
        static void Program(Assembler a)
        {
            a.mov(edi, (uint)X86Machine.CodeVa);
            a.mov(esi, 8 * 64 + 3);
            a.cmp(rsi, 1000);
            a.bt(__qword_ptr[rdi], rsi);      // reading code is allowed
            a.setb(al);
            a.sub(rsi, 2000);                 // -1485 bits: the dword 188 bytes below, in the code page
            a.btc(__dword_ptr[rdi + 4096], esi);
        }
        var (t, i) = TranslatorPair.Of(Program);
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.Fault, si);
        Assert.Equal(si, st);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(X86Machine.CodeVa + 4096 - 188, t.Cpu.LastFault.Address);
        Assert.True(t.Cpu.LastFault.ErrorCode.HasFlag(PageFaultError.Present | PageFaultError.Write), "not a write fault");
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.False(t.Cpu.TranslationForms.Helpers.ContainsKey("Btc"), "btc called the interpreter's method");
    }
}

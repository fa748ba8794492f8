using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A compiled region keeps the last flag-setting instruction's record pending (outside the record the CPU gets)
/// and writes it out only where something can see it: an exit (a budget exit on a branch into a piece, a fault),
/// a call of an instruction's definition, or a piece that reads the flags before replacing them. Each of those
/// must find the record exactly as the interpreter leaves it.
/// </summary>
public class TranslatorPendingFlagsTests
{
    private const ulong Unmapped = 0xB00000;

    /// <summary>The pair, the translated one compiling a block at its fourth entry: by then a loop's blocks have
    /// all run, and its region holds them all (edges between pieces rather than exits to the dispatcher).</summary>
    private static (X86Machine Translated, X86Machine Interpreted) Pair(Action<Assembler> program)
    {
        var (t, i) = TranslatorPair.Of(program);
        t.Cpu.TranslationThreshold = 3;
        return (t, i);
    }

    /// <summary>crc's inner loop and two more like it: the loop's head replaces the flags before anything reads
    /// them, so the closing sub, dec or cmp's record is seen only by the budget exit on the back edge.</summary>
    private static void ClosingLoops(Assembler a)
    {
        var crc = a.CreateLabel();
        var dec = a.CreateLabel();
        var cmp = a.CreateLabel();
        a.mov(eax, 0x12345678);
        a.mov(edx, 700);
        a.Label(ref crc);
        a.mov(ecx, eax);
        a.and(eax, 1);
        a.neg(eax);
        a.shr(ecx, 1);
        a.and(eax, unchecked((int)0xEDB88320));
        a.xor(eax, ecx);
        a.sub(edx, 1);
        a.jne(crc);
        a.mov(ecx, 600);
        a.mov(rbx, -3);
        a.Label(ref dec);
        a.add(rbx, rax);                   // replaces dec's record (and its kept carry)
        a.rol(rax, 5);
        a.dec(ecx);
        a.jnz(dec);
        a.mov(r8, unchecked((long)0x8000_0000_0000_1000));
        a.mov(r9, unchecked((long)0x8000_0000_0000_1000 - 300 * 0x0102_0304));
        a.Label(ref cmp);
        a.xor(r10, r9);                    // replaces cmp's record
        a.add(r9, 0x0102_0304);
        a.imul(r10, r9, 7);
        a.cmp(r9, r8);                     // below until r9 reaches r8, overflowing until it passes 2^63
        a.jb(cmp);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(29)]
    [InlineData(37)]
    [InlineData(53)]
    public void A_budget_exit_on_a_loops_back_edge_leaves_the_closing_instructions_flags(int timer)
    {
        var (t, i) = Pair(ClosingLoops);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = timer;   // the budget runs out at every instruction, edges included
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "nothing ran translated");
    }

    /// <summary>Loads walk towards an unmapped page: the fault comes at the loop head's load (after the back
    /// edge, before the head's and replaces sub's record), or in the same piece as the flags it must leave.</summary>
    private static Action<Assembler> Faulting(int where) => a =>
    {
        var loop = a.CreateLabel();
        a.mov(rsi, Unmapped - 8 * 50);
        a.mov(edx, 100);                   // negative by the fault: sub leaves SF and CF unlike the flags before it
        a.mov(eax, 0x1357);
        a.Label(ref loop);
        if (where == 0) a.mov(ecx, __dword_ptr[rsi]);   // faults first thing in the piece
        a.and(eax, 0x7FF);
        a.add(eax, ecx);
        a.add(rsi, 8);
        a.sub(edx, 3);
        if (where == 1) a.mov(ecx, __dword_ptr[rsi]);   // faults right after the sub, in its piece
        if (where == 2)
        {
            a.cmp(eax, edx);
            a.add(__dword_ptr[rsi], eax);   // a read-modify-write that faults: the cmp's flags, not its own
        }
        a.jne(loop);
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_fault_after_a_flag_setting_instruction_leaves_its_flags(int where)
    {
        var (t, i) = Pair(Faulting(where));
        t.MapFresh(Unmapped - 4096, PagePerm.UserRw);
        i.MapFresh(Unmapped - 4096, PagePerm.UserRw);
        Assert.Equal(StopReason.Fault, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "nothing ran translated");
    }

    /// <summary>Flags set in one piece and read in the next, across a jmp and a taken or fallen-through jcc: by a
    /// jcc, adc, sbb, setcc, pushf (which calls its definition) and an inc that keeps the carry.</summary>
    private static void ReadAcrossPieces(Assembler a)
    {
        var loop = a.CreateLabel();
        var p2 = a.CreateLabel();
        var p3 = a.CreateLabel();
        var p4 = a.CreateLabel();
        var p5 = a.CreateLabel();
        a.mov(rax, 0x7FFF_FFFF_FFFF_FFF0);
        a.mov(rbx, 0x1234_5678_9ABC_DEF1);
        a.mov(edi, 500);
        a.Label(ref loop);
        a.add(rax, rbx);
        a.jmp(p2);
        a.Label(ref p2);
        a.adc(rcx, rdx);                   // add's carry
        a.sub(ecx, eax);
        a.jmp(p3);
        a.Label(ref p3);
        a.setb(r8b);                       // sub's flags
        a.setl(r9b);
        a.sbb(r10, r8);
        a.cmp(r10, rbx);
        a.jo(p4);                          // both ways, each edge into p4 or p5
        a.inc(r11);
        a.Label(ref p4);
        a.jle(p5);                         // cmp's flags, or inc's with cmp's carry
        a.add(r12, 1);
        a.Label(ref p5);
        a.pushfq();
        a.pop(r13);
        a.add(r14, r13);
        a.xor(rdx, r14);
        a.pushfq();                        // xor's flags, in the same piece
        a.pop(r15);
        a.dec(edi);
        a.jnz(loop);
    }

    [Fact]
    public void Flags_set_in_one_piece_and_read_in_the_next_are_the_interpreters()
    {
        var (t, i) = Pair(ReadAcrossPieces);
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Adc", "Sbb", "Setcc", "Jcc");
        Assert.Equal(1, t.Cpu.TranslationStats.Regions);
    }

    [Fact]
    public void Flags_read_across_pieces_are_the_interpreters_at_every_timer_stop()
    {
        var (t, i) = Pair(ReadAcrossPieces);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 23;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
    }
}

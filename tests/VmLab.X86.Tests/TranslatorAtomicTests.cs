using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// xchg, lock xadd and lock cmpxchg (equal and unequal, register and memory, 8 to 64 bits), leave (a called
/// function with a frame) and setcc into memory compiled into a region: the same registers, flags (read right
/// after) and memory as the interpreter at every timer stop and at the end; a lock cmpxchg or xchg on a read-only
/// page faults with nothing changed.
/// </summary>
public class TranslatorAtomicTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Atomics);

    private static void Atomics(Assembler a)
    {
        var loop = a.CreateLabel();
        var frame = a.CreateLabel();
        var done = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.mov(r15d, 1500);
        a.xor(r9d, r9d);
        a.xor(r10d, r10d);
        a.Label(ref loop);
        a.mov(rax, r8);
        a.and(eax, 3);                    // the accumulator equals the word one time in four
        a.mov(__qword_ptr[rdi], 2);
        a.mov(rcx, r8);
        a.@lock.cmpxchg(__qword_ptr[rdi], rcx);
        a.setz(r9b);
        a.setb(r10b);
        a.add(r12, r9);
        a.lea(r12, __qword_ptr[r12 + r10 * 2]);
        a.add(r12, rax);
        a.mov(edx, r8d);
        a.and(edx, 1);
        a.cmpxchg(ebx, edx);              // register, 32 bits: ebx or eax changes, both zero-extend
        a.setz(__byte_ptr[rdi + r9 + 40]);   // setcc into memory
        a.cmpxchg(__byte_ptr[rdi + 3], cl);
        a.setl(r9b);
        a.add(r13, r9);
        a.mov(esi, r8d);
        a.@lock.xadd(__dword_ptr[rdi + 8], esi);
        a.seto(r9b);
        a.setc(r10b);
        a.add(r13, r9);
        a.lea(r13, __qword_ptr[r13 + r10 * 2]);
        a.add(r13, rsi);
        a.xadd(r14w, si);                 // register, 16 bits
        a.sets(r9b);
        a.add(r13, r9);
        a.xchg(__qword_ptr[rdi + 16], r8);
        a.xchg(r11b, r8b);
        a.xchg(ebx, r11d);
        a.@lock.xchg(__word_ptr[rdi + 24], r11w);
        a.call(frame);
        a.add(r12, rbx);
        a.add(r8, r12);
        a.xor(r8, r13);
        a.add(r8, r14);
        a.rol(r8, 11);
        a.dec(r15d);
        a.jnz(loop);
        a.mov(__qword_ptr[rdi + 32], r12);
        a.jmp(done);
        a.Label(ref frame);               // a function with a frame, as gcc -O0 builds it
        a.push(rbp);
        a.mov(rbp, rsp);
        a.sub(rsp, 16);
        a.mov(__qword_ptr[rbp - 8], r8);
        a.add(r12, __qword_ptr[rbp - 8]);
        a.leave();
        a.ret();
        a.Label(ref done);
        a.nop();
    }

    [Fact]
    public void Atomics_compiled_into_a_region_end_in_the_interpreters_state()
    {
        var (t, i) = Pair();
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Xchg", "Xadd", "Cmpxchg", "Leave", "Setcc");
        Assert.Equal(i.Memory.Peek(X86Machine.StackTop - 64, 64), t.Memory.Peek(X86Machine.StackTop - 64, 64));
    }

    [Theory]
    [InlineData(23)]
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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void An_atomic_on_a_read_only_page_faults_and_changes_nothing(int which)
    {
        void Program(Assembler a)
        {
            a.mov(edi, (uint)X86Machine.CodeVa);
            a.mov(eax, 7);
            a.mov(ecx, 9);
            a.cmp(rcx, 100);
            if (which == 0) a.@lock.cmpxchg(__qword_ptr[rdi + 8], rcx);
            else if (which == 1) a.xchg(__dword_ptr[rdi + 8], ecx);
            else a.@lock.xadd(__word_ptr[rdi + 8], cx);
        }
        var (t, i) = TranslatorPair.Of(Program);
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.Fault, si);
        Assert.Equal(si, st);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(t.Cpu.LastFault.ErrorCode.HasFlag(PageFaultError.Present | PageFaultError.Write), "not a write fault");
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(9UL, t[Reg.Rcx]);
        Assert.Equal(7UL, t[Reg.Rax]);
        Assert.Empty(t.Cpu.TranslationForms.Helpers);
    }
}

using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// div and idiv compiled into a region (not called as the interpreter's method): the same quotients, remainders
/// and untouched flags as the interpreter at 16, 32 and 64 bits with register and memory divisors, at every timer
/// stop inside the loop, and a #DE mid-region that leaves the faulting division's state exactly.
/// </summary>
public class TranslatorDivideTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Divisions);

    /// <summary>Trial divisions over a counted loop, flags set before a division and read after it; when the
    /// counter reaches 0 the last division is by it.</summary>
    private static void Divisions(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(ecx, 3000);
        a.mov(r8, 1_000_003);
        a.Label(ref loop);
        a.mov(rax, rcx);
        a.imul(rax, rax, 7919);
        a.add(rax, r8);
        a.xor(edx, edx);
        a.lea(rbx, __qword_ptr[rcx + 1]);
        a.cmp(rcx, 1500);
        a.div(rbx);                       // unsigned 64-bit, register divisor
        a.setb(r9b);                      // the cmp's CF: a division leaves the flags as they were
        a.add(r10, rdx);
        a.add(r10, r9);
        a.mov(__qword_ptr[rdi + 8], rbx);
        a.mov(eax, ecx);
        a.neg(eax);
        a.cdq();
        a.idiv(__dword_ptr[rdi + 8]);     // signed 32-bit, memory divisor, negative dividend
        a.add(r11, rax);
        a.add(r11, rdx);
        a.mov(eax, ecx);
        a.cwd();
        a.mov(esi, 7);
        a.idiv(si);                       // signed 16-bit: ax and dx merged into rax and rdx
        a.add(r12, rax);
        a.add(r12, rdx);
        a.mov(eax, ecx);
        a.xor(edx, edx);
        a.div(__dword_ptr[rdi + 8]);      // unsigned 32-bit: rax and rdx zero-extended
        a.add(r13, rax);
        a.mov(__qword_ptr[rdi + 16], r13);
        a.dec(rcx);
        a.jnz(loop);
        a.mov(eax, 5);
        a.xor(edx, edx);
        a.cmp(rax, 9);
        a.div(rcx);                       // rcx is 0: #DE, with the cmp's flags (which the add would replace)
        a.add(rax, 1);
        a.nop();
    }

    [Fact]
    public void Divisions_compiled_into_a_region_end_in_the_same_state_and_the_same_divide_error()
    {
        var (t, i) = Pair();
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.Fault, si);
        Assert.Equal(si, st);
        Assert.Equal(FaultKind.DivideError, t.Cpu.LastFault.Kind);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        var (direct, helpers, _) = t.Cpu.TranslationForms;
        Assert.True(direct > 0, "nothing was compiled");
        Assert.False(helpers.ContainsKey("Div") || helpers.ContainsKey("Idiv"), "a division called the interpreter's method");
    }

    [Theory]
    [InlineData(37)]
    [InlineData(101)]
    [InlineData(1000)]
    public void Every_timer_stop_inside_the_loop_finds_both_machines_alike(int interval)
    {
        var (t, i) = Pair();
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = interval;
        Assert.Equal(StopReason.Fault, TranslatorPair.AlikeAtEveryStop(t, i));   // the closing division by 0
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }
}

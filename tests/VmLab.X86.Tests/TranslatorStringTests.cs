using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// rep movs and rep stos (and their single forms) compiled into a region at every size, with counts from 0 up,
/// aligned and unaligned pointers (byte copies take 8-byte steps while both are aligned), upward and downward (std),
/// between flag-setting instructions whose flags are read after; then a rep movs that runs off the data page and
/// faults with rcx, rsi and rdi saying how far it got. The same state as the interpreter at every timer stop and at
/// the end, memory included.
/// </summary>
public class TranslatorStringTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair() => TranslatorPair.Of(Strings);

    private static void Strings(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(r8, unchecked((long)0x9E3779B97F4A7C15UL));
        a.mov(r15d, 400);
        a.Label(ref loop);
        a.mov(rax, r8);
        a.mov(ecx, r15d);
        a.and(ecx, 31);                          // 0..31 elements
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(edx, r15d);
        a.and(edx, 7);
        a.add(rdi, rdx);                         // aligned one time in eight
        a.cmp(rcx, 9);                           // flags the string instructions keep
        a.rep.stosb();
        a.setb(r9b);
        a.add(r12, r9);
        a.add(r12, rdi);
        a.mov(ecx, r15d);
        a.and(ecx, 15);
        a.lea(rsi, __qword_ptr[rdi + 64]);
        a.mov(edi, (uint)X86Machine.DataVa + 1024);
        a.rep.movsb();
        a.mov(ecx, 5);
        a.mov(esi, (uint)X86Machine.DataVa + 3);
        a.rep.movsq();
        a.mov(ecx, 3);
        a.rep.stosd();
        a.stosw();
        a.movsb();
        a.std();                                 // downward
        a.mov(ecx, r15d);
        a.and(ecx, 7);
        a.lea(rsi, __qword_ptr[rdi + 40]);
        a.mov(edi, (uint)X86Machine.DataVa + 2048);
        a.rep.movsw();
        a.rep.stosq();
        a.cld();
        a.add(r12, rsi);
        a.add(r12, rdi);
        a.add(r12, rcx);
        a.xor(r8, __qword_ptr[X86Machine.DataVa + 1032]);
        a.add(r8, r12);
        a.rol(r8, 9);
        a.dec(r15d);
        a.jnz(loop);
        a.mov(edi, (uint)X86Machine.DataVa + 4000);
        a.mov(esi, (uint)X86Machine.DataVa);
        a.mov(ecx, 1000);
        a.rep.movsb();                           // off the data page: faults after 96 bytes
    }

    [Fact]
    public void String_moves_and_stores_compiled_into_a_region_end_in_the_interpreters_state_and_fault()
    {
        var (t, i) = Pair();
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.Fault, si);
        Assert.Equal(si, st);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(X86Machine.DataVa + 4096, t.Cpu.LastFault.Address);
        Assert.Equal(1000UL - 96, t[Reg.Rcx]);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        var (direct, helpers, _) = t.Cpu.TranslationForms;
        Assert.True(direct > 0, "nothing was compiled");
        Assert.False(helpers.ContainsKey("Movs") || helpers.ContainsKey("Stos"), "a string instruction called the interpreter's method");
    }

    [Theory]
    [InlineData(17)]
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
}

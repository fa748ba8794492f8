using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A rotate's flags (CF and OF from its result, the rest as the instruction before it left them) stay pending until
/// something sees them: a fault or exit of a later instruction, a branch or adc that reads them, an inc that keeps
/// CF. Each must find exactly the flags the interpreter has, over rounds of new values.
/// </summary>
public class TranslatorRotateFlagsTests
{
    private const ulong Unmapped = 0xB00000;

    private const ulong Word = X86Machine.DataVa + 64;

    /// <summary>Rounds of: an add that sets every status flag from the round's value, a rotate (rol or ror, 32 or
    /// 64 bits; of r9, or of r9 stored in memory and loaded back), then what sees its flags (reader), then an xor
    /// that replaces them; r8 folds the results.</summary>
    private static Action<Assembler> Rounds(bool rol, bool wide, bool memory, Action<Assembler> reader, int rounds = 3000) => a =>
        TranslatorPair.Rounds(a, rounds, 13, () =>
        {
            a.mov(rax, r9);
            if (memory) a.mov(__qword_ptr[Word], r9);
            a.add(eax, r15d);
            if (memory)
            {
                if (wide) { if (rol) a.rol(__qword_ptr[Word], 7); else a.ror(__qword_ptr[Word], 9); }
                else if (rol) a.rol(__dword_ptr[Word], 7);
                else a.ror(__dword_ptr[Word], 9);
                if (wide) a.mov(r9, __qword_ptr[Word]);
                else a.mov(r9d, __dword_ptr[Word]);
            }
            else if (wide) { if (rol) a.rol(r9, 7); else a.ror(r9, 9); }
            else if (rol) a.rol(r9d, 7);
            else a.ror(r9d, 9);
            reader(a);
            a.xor(rax, r9);
            a.add(r8, rax);
        });

    public static TheoryData<bool, bool, bool> Forms => new()
    {
        { true, false, false }, { false, false, false }, { true, true, false }, { false, true, false },
        { true, false, true }, { false, false, true }, { true, true, true }, { false, true, true },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_branch_on_the_rotates_carry_or_overflow_sees_them(bool rol, bool wide, bool memory)
    {
        var (t, i) = TranslatorPair.Of(Rounds(rol, wide, memory, a =>
        {
            var noCarry = a.CreateLabel();
            var noOverflow = a.CreateLabel();
            a.jnc(noCarry);
            a.add(r8, 3);
            a.Label(ref noCarry);
            a.jno(noOverflow);
            a.add(r8, 5);
            a.Label(ref noOverflow);
            a.setg(dl);         // SF, OF and ZF together: the add's and the rotate's
            a.add(r8, rdx);
        }));
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Rol", "Ror");
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Adc_and_inc_after_a_rotate_see_its_carry(bool rol, bool wide, bool memory)
    {
        var (t, i) = TranslatorPair.Of(Rounds(rol, wide, memory, a =>
        {
            a.inc(rdx);         // keeps the rotate's CF
            a.adc(r8, 0);
        }));
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode, "Rol", "Ror");
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_fault_after_a_rotate_leaves_its_flags(bool rol, bool wide, bool memory)
    {
        // the load faults in the last round only (r15 counts the rounds down)
        var (t, i) = TranslatorPair.Of(Rounds(rol, wide, memory, a =>
        {
            a.mov(rcx, X86Machine.DataVa);
            a.mov(rsi, Unmapped);
            a.cmp(r15d, 1);
            a.cmove(rcx, rsi);
            a.add(eax, r9d);        // the status flags anew
            // right before the load: the flags the fault leaves are this rotate's (gcc -O0 rotates a local in place)
            if (memory) a.rol(__dword_ptr[Word], 1);
            else a.rol(r9d, 1);
            a.add(rdx, __qword_ptr[rcx]);
        }));
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.Fault, "Rol", "Ror");
        Assert.Equal(Unmapped, t.Cpu.LastFault.Address);
    }

    [Fact]
    public void Timer_stops_after_a_rotate_leave_its_flags()
    {
        var (t, i) = TranslatorPair.Of(Rounds(rol: true, wide: false, memory: false, a =>
        {
            a.mov(__qword_ptr[X86Machine.DataVa], r9);   // a store right after the rotate
            a.lea(rdx, __[rdx + 1]);
        }, rounds: 2000));
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 37;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 8), t.Memory.Peek(X86Machine.DataVa, 8));
    }
}

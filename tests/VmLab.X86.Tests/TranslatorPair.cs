using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>A program on two machines, one translating every block the first time it runs and one interpreting,
/// and the check that they stay the same machine stop after stop.</summary>
internal static class TranslatorPair
{
    /// <summary>With missLimit, the translated machine's regions leave at that many host TLB misses per page
    /// before its slow path takes them (0: the slow path from the start; <see cref="Default"/>: as shipped).</summary>
    public static (X86Machine Translated, X86Machine Interpreted) Of(Action<Assembler> program, PagePerm code = PagePerm.UserRo,
        long missLimit = Default)
    {
        var t = new X86Machine(program, code);
        t.Cpu.TranslationThreshold = 0;
        if (missLimit != Default) t.Cpu.TranslationMissLimit = missLimit;
        var i = new X86Machine(program, code);
        i.Cpu.Translation = false;
        return (t, i);
    }

    /// <summary>The translator's own miss limit (<see cref="Of"/>).</summary>
    public const long Default = -1;

    /// <summary>Runs both to their first stop that is not the timer: at every stop the same reason, registers,
    /// flags, rip and instructions retired. Returns that last stop.</summary>
    public static StopReason AlikeAtEveryStop(X86Machine t, X86Machine i)
    {
        for (int k = 0; ; k++)
        {
            StopReason st = t.Run(), si = i.Run();
            Assert.Equal(si, st);
            Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), $"registers, rip or flags differ at stop {k}");
            Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
            if (si != StopReason.Timer) return si;
        }
    }

    /// <summary>Runs both to their end, which must be the expected stop: the same registers, flags, rip,
    /// instructions retired and data page, something compiled, and none of the named codes calling its
    /// definition in the translated machine.</summary>
    public static void AlikeAtTheEnd(X86Machine t, X86Machine i, StopReason expected, params string[] compiled)
    {
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(expected, si);
        Assert.Equal(si, st);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        var (direct, helpers, _) = t.Cpu.TranslationForms;
        Assert.True(direct > 0, "nothing was compiled");
        foreach (string code in compiled)
            Assert.False(helpers.ContainsKey(code), $"{code} called the interpreter's method");
    }

    /// <summary>A loop of rounds rounds (r15 counts them down) over a new wide value in r9 each round (rotated by
    /// rotate, plus the count), with r8 cleared for the body to fold its results into.</summary>
    public static void Rounds(Assembler a, int rounds, byte rotate, Action body)
    {
        var loop = a.CreateLabel();
        a.mov(r9, unchecked((long)0x9E3779B97F4A7C15UL));
        a.xor(r8d, r8d);
        a.mov(r15d, rounds);
        a.Label(ref loop);
        a.rol(r9, rotate);
        a.add(r9, r15);
        body();
        a.dec(r15d);
        a.jnz(loop);
    }

    /// <summary>Folds CF, OF, PF (into r12) and SF, ZF (into r13) as they stand, so that a flag an instruction
    /// left wrong shows in the end state (r9-r11 are scratch).</summary>
    public static void FoldFlags(Assembler a)
    {
        a.setb(r9b);
        a.seto(r10b);
        a.setp(r11b);
        a.lea(r12, __qword_ptr[r12 + r9 * 2]);
        a.lea(r12, __qword_ptr[r12 + r10 * 4]);
        a.lea(r12, __qword_ptr[r12 + r11 * 8]);
        a.sets(r9b);
        a.setz(r10b);
        a.add(r13, r9);
        a.lea(r13, __qword_ptr[r13 + r10 * 2]);
        a.rol(r13, 3);
    }
}

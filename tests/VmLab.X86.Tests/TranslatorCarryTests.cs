using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// An access that misses the host TLB leaves the region's hot path for its one shared slow path, and the values
/// its instruction computed before the access (a register operand read first, a bit offset, the loaded value a
/// read-modify-write stores back, the target of an indirect call whose return address is pushed after it) are
/// carried around it in the CPU's spill slots. Here each such access misses: pages A and B share a host TLB
/// slot and the loop's loads (and, separately, its stores) alternate between them, and each read-modify-write
/// crosses the end of a page, which takes the slow path for both its load and its store. The translated machine
/// must stay the interpreted one at every timer stop and at the end.
/// </summary>
public class TranslatorCarryTests
{
    private const ulong PageA = 0x900000, PageB = 0xA00000;

    private static void EveryFormMissing(Assembler a)
    {
        var loop = a.CreateLabel();
        var callee = a.CreateLabel();
        var over = a.CreateLabel();
        a.jmp(over);
        a.Label(ref callee);
        a.add(rax, __qword_ptr[rsp + 8]);         // the pushed value
        a.ret();
        a.Label(ref over);
        a.mov(r14, PageA);
        a.mov(r15, PageB);
        a.mov(r12d, 700);
        a.mov(rax, 0x0123456789ABCDEF);
        foreach (var (r, v) in new[] { (rbx, 3L), (rcx, 5L), (rsi, 7L), (rdi, 11L), (r8, 13L), (r9, 17L), (r10, 19L), (r11, 23L) })
            a.mov(r, v);
        a.lea(r13, __[callee]);
        a.mov(__qword_ptr[r15 + 200], r13);       // the call's target
        a.Label(ref loop);
        a.cmp(rax, rbx);
        a.adc(rbx, __qword_ptr[r14 + 8]);         // rbx and the carry, read before the load
        a.add(rcx, __dword_ptr[r15 + 12]);
        a.imul(r10, __qword_ptr[r14 + 48]);
        // read-modify-writes across the end of a page: their loads and stores all take the slow path
        a.xadd(__qword_ptr[r14 + 4092], rsi);
        a.cmpxchg(__qword_ptr[r15 + 4090], rdi);
        a.bts(__dword_ptr[r14 + 4093], r8d);      // the bit offset, computed before the load
        a.shld(__dword_ptr[r15 + 4094], r9d, cl);
        a.sub(__word_ptr[r14 + 4095], r11w);
        a.sbb(__dword_ptr[r15 + 4093], 7);
        a.inc(__dword_ptr[r14 + 4094]);
        a.neg(__qword_ptr[r15 + 4089]);
        a.xchg(__qword_ptr[r14 + 4091], r9);
        a.lea(rsp, __[r15 + 0x800]);              // a stack on B: the push misses after the store to A
        a.push(rcx);
        a.mov(__qword_ptr[r14 + 64], rsi);        // A again, so that the call's push misses too
        a.call(__qword_ptr[r15 + 200]);           // the target, loaded from B, across the push's slow path
        a.pop(r11);
        a.add(r8, 3);
        a.and(r8, 31);
        a.dec(r12d);
        a.jnz(loop);
        a.nop();
        a.ud2();
    }

    private static (X86Machine, X86Machine) Pair(long missLimit)
    {
        var (t, i) = TranslatorPair.Of(EveryFormMissing, missLimit: missLimit);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Map(PageA, 50, PagePerm.UserRw);
            m.Memory.Map(PageA + 4096, 51, PagePerm.UserRw);
            m.Memory.Map(PageB, 52, PagePerm.UserRw);
            m.Memory.Map(PageB + 4096, 53, PagePerm.UserRw);
        }
        return (t, i);
    }

    // a miss limit of 0 takes every miss on the slow path, which carries the values; the shipped one leaves the
    // region at the first misses, and takes the later ones on the slow path
    [Theory]
    [InlineData(0, 0)]
    [InlineData(41, 0)]
    [InlineData(0, TranslatorPair.Default)]
    [InlineData(41, TranslatorPair.Default)]
    public void Values_computed_before_a_missing_access_survive_it(long timer, long missLimit)
    {
        var (t, i) = Pair(missLimit);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = timer;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        foreach (ulong page in new[] { PageA, PageA + 4096, PageB, PageB + 4096 })
            Assert.Equal(i.Memory.Peek(page, 4096), t.Memory.Peek(page, 4096));
        Assert.NotEqual(new byte[16], t.Memory.Peek(PageA + 4088, 16));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "nothing ran translated");
        var (_, helpers, _) = t.Cpu.TranslationForms;
        foreach (string code in new[] { "Adc", "Add", "Xadd", "Cmpxchg", "Bts", "Shld", "Imul2", "Sub", "Sbb", "Inc", "Neg", "Xchg", "Push", "CallInd", "Pop" })
            Assert.False(helpers.ContainsKey(code), $"{code} called the interpreter's method");
    }
}

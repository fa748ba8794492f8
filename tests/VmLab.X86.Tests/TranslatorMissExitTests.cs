using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A region is first compiled to leave at a host TLB miss (the interpreter makes the access and carries on),
/// which the JIT compiles in about half the time of a region with the shared slow path; a page whose regions
/// keep missing is compiled again with the slow path. Here one loop's load misses every time: pages A and B
/// share a host TLB slot and the loop alternates between them.
/// </summary>
public class TranslatorMissExitTests
{
    private const ulong PageA = 0x900000, PageB = 0xA00000;
    private const int Rounds = 2000;

    private static void Alternating(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(r15, PageA);
        a.mov(ecx, Rounds);
        a.xor(edx, edx);
        a.Label(ref loop);
        a.add(rbx, 1);                            // the miss comes in the middle of the block
        a.mov(rax, __qword_ptr[r15 + rdx + 8]);
        a.add(rsi, rax);
        a.add(__qword_ptr[r15 + rdx + 16], rbx);
        a.xor(rdx, (int)(PageB - PageA));
        a.dec(ecx);
        a.jnz(loop);
    }

    private static (X86Machine, X86Machine) Pair(long missLimit)
    {
        var (t, i) = TranslatorPair.Of(Alternating, missLimit: missLimit);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Map(PageA, 50, PagePerm.UserRw);
            m.Memory.Map(PageB, 51, PagePerm.UserRw);
            m.Memory.Poke(PageA + 8, BitConverter.GetBytes(5UL));
            m.Memory.Poke(PageB + 8, BitConverter.GetBytes(7UL));
        }
        return (t, i);
    }

    [Fact]
    public void A_page_whose_regions_keep_missing_is_compiled_again_with_the_slow_path_after_the_limit()
    {
        var (t, i) = Pair(missLimit: 50);
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode);
        Assert.Equal(Rounds / 2 * 12UL, t[Reg.Rsi]);
        Assert.Equal(i.Memory.Peek(PageA, 64), t.Memory.Peek(PageA, 64));
        Assert.Equal(i.Memory.Peek(PageB, 64), t.Memory.Peek(PageB, 64));
        // 50 exits, then the loop's page compiled again: its misses stay in the region from then on
        Assert.Equal((50L, 1L), t.Cpu.TranslationMisses);
    }

    [Fact]
    public void Without_reaching_the_limit_every_miss_leaves_and_the_run_is_the_interpreted_one()
    {
        var (t, i) = Pair(missLimit: long.MaxValue);
        TranslatorPair.AlikeAtTheEnd(t, i, StopReason.InvalidOpcode);
        Assert.Equal(i.Memory.Peek(PageA, 64), t.Memory.Peek(PageA, 64));
        Assert.Equal(i.Memory.Peek(PageB, 64), t.Memory.Peek(PageB, 64));
        // each round leaves at its load (the first ran before its block was compiled); the interpreter then makes
        // the load and the store, which hits, to the end of the block
        var (exits, recompiled) = t.Cpu.TranslationMisses;
        Assert.Equal(Rounds - 1, exits);
        Assert.Equal(0, recompiled);
    }

    [Fact]
    public void The_instruction_a_region_left_at_does_not_become_the_entry_of_a_region_of_its_own()
    {
        // the interpreter runs from the middle of the loop's block after each exit: that must not compile a region
        // there (it would start at the load, miss at once and never run), so as many regions as with the slow path
        var (slow, _) = Pair(missLimit: 0);
        var (leaving, _) = Pair(missLimit: long.MaxValue);
        Assert.Equal(StopReason.InvalidOpcode, slow.Run());
        Assert.Equal(StopReason.InvalidOpcode, leaving.Run());
        Assert.Equal(slow.Cpu.TranslationStats.Regions, leaving.Cpu.TranslationStats.Regions);
        Assert.Equal(slow[Reg.Rsi], leaving[Reg.Rsi]);
    }
}

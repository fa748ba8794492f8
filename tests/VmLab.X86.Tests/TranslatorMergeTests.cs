using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A page whose code that runs does not fit in one region (as gcc -O0's string functions and their callers share
/// one): its regions are merged once, and not again and again, each merge moving the border between them at a large
/// region's JIT cost.
/// </summary>
public class TranslatorMergeTests
{
    /// <summary>A loop whose body is eight blocks of 60 adds (482 instructions a pass, more than a region takes).</summary>
    private static void Wide(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(ecx, 4000);
        a.xor(eax, eax);
        a.Label(ref loop);
        for (int block = 0; block < 8; block++)
        {
            var next = a.CreateLabel();
            for (int k = 0; k < 60; k++) a.add(rax, block * 8 + k % 7 + 1);
            a.jmp(next);
            a.Label(ref next);
        }
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
    }

    [Fact]
    public void A_page_too_large_for_one_region_is_merged_once()
    {
        var t = new X86Machine(Wide);
        t.Cpu.TranslationMergeChains = 1;
        var i = new X86Machine(Wide);
        i.Cpu.Translation = false;
        Assert.Equal(StopReason.InvalidOpcode, t.Run(10_000_000));
        Assert.Equal(StopReason.InvalidOpcode, i.Run(10_000_000));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        var (regions, instructions, _, _) = t.Cpu.TranslationStats;
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 9 / 10,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        // the loop's blocks, each compiled once, and one merge of at most a region's size (its last block may go
        // past the limit by up to a block's 64 instructions); merging again and again compiled 2,633
        Assert.True(instructions <= 482 + 400 + 64, $"{regions} regions compiled, {instructions} instructions in all");
    }
}

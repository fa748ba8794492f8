using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// How hot code becomes regions: a loop is compiled once however often the timer interrupts it, the cases an
/// indirect jump reaches run translated, and a block of the page that becomes hot later is compiled on its
/// own (the loop's region is not compiled again) until the two regions jump to each other often enough to be
/// worth one. Each program also ends as the interpreter ends it.
/// </summary>
public class TranslatorRegionTests
{
    /// <summary>A counted loop whose body takes one of two cases through an indirect jump (jmp rdx), as a
    /// switch's jump table does; the cases add different values and come back to the loop's tail.</summary>
    private static void Switch(Assembler a)
    {
        var loop = a.CreateLabel();
        var even = a.CreateLabel();
        var odd = a.CreateLabel();
        var tail = a.CreateLabel();
        a.mov(ecx, 20000);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        a.lea(rdx, __[even]);
        a.lea(rsi, __[odd]);
        a.test(ecx, 1);
        a.cmovnz(rdx, rsi);
        a.jmp(rdx);
        a.Label(ref even);
        a.add(rbx, 3);
        a.jmp(tail);
        a.Label(ref odd);
        a.imul(rbx, rbx, 5);
        a.Label(ref tail);
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
    }

    /// <summary>A counted loop (rcx from iterations down) that, in the last late iterations only, also takes a
    /// block laid out after the loop's end (add ebx, 0x777; its imm32 is patched by a test), which jumps back
    /// into the loop.</summary>
    internal static Action<Assembler> LateBranch(int iterations, int late) => a =>
    {
        var loop = a.CreateLabel();
        var back = a.CreateLabel();
        var rare = a.CreateLabel();
        a.mov(ecx, iterations);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        a.cmp(ecx, late);
        a.jbe(rare);
        a.Label(ref back);
        a.add(ebx, 3);
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
        a.Label(ref rare);
        a.add(ebx, 0x777);
        a.jmp(back);
    };

    private static void SameEnd(X86Machine t, X86Machine i)
    {
        Assert.Equal(StopReason.InvalidOpcode, i.Run(10_000_000));
        Assert.Equal(StopReason.InvalidOpcode, t.Run(10_000_000));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
    }

    [Fact]
    public void A_block_that_becomes_hot_after_its_loop_was_compiled_is_compiled_alone()
    {
        var t = new X86Machine(LateBranch(20_000, 5_000));
        var i = Interpreted(LateBranch(20_000, 5_000));
        SameEnd(t, i);
        Assert.Equal((ulong)(20_000 * 3 + 5_000 * 0x777), t[Reg.Rbx]);
        // the loop's region (cmp, jbe; add, dec, jnz) and then the late block's (add, jmp): not the loop again
        Assert.Equal((2L, 7L), (t.Cpu.TranslationStats.Regions, t.Cpu.TranslationStats.Instructions));
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 99 / 100,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }

    /// <summary>A loop nest whose outer body runs into the inner loop: decoded from the outer loop's head, that
    /// block holds the inner loop's body too.</summary>
    private static void FallIn(Assembler a)
    {
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        a.mov(edx, 300);
        a.xor(ebx, ebx);
        a.Label(ref outer);
        a.mov(ecx, 70);
        a.Label(ref inner);
        a.add(ebx, 3);
        a.dec(ecx);
        a.jnz(inner);
        a.dec(edx);
        a.jnz(outer);
        a.ud2();
    }

    [Fact]
    public void A_loop_that_the_code_before_it_runs_into_is_compiled_once()
    {
        var t = new X86Machine(FallIn);
        var i = Interpreted(FallIn);
        SameEnd(t, i);
        Assert.Equal((ulong)(300 * 70 * 3), t[Reg.Rbx]);
        var stats = t.Cpu.TranslationStats;
        // the inner loop (add, dec, jnz), then the outer loop's tail and head (dec, jnz; mov), which goes on into
        // the inner loop's region: not a second copy of the inner loop's body in the outer head's block
        Assert.Equal((2L, 6L), (stats.Regions, stats.Instructions));
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 98 / 100,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }

    [Fact]
    public void A_loop_nest_cut_where_the_outer_head_runs_into_the_inner_loop_stops_where_the_interpreter_does()
    {
        var t = new X86Machine(FallIn);
        var i = Interpreted(FallIn);
        // 7 is prime to both loops' lengths: the runs stop at every instruction of them, also between the outer
        // head's mov and the inner loop it now goes on into
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 7;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount / 2,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }

    [Fact]
    public void Regions_of_a_page_that_jump_to_each_other_often_are_compiled_again_as_one()
    {
        var t = new X86Machine(LateBranch(300_000, 200_000));
        var i = Interpreted(LateBranch(300_000, 200_000));
        SameEnd(t, i);
        var stats = t.Cpu.TranslationStats;
        Assert.Equal(3, stats.Regions);
        // 400,000 jumps between the two regions had they stayed apart: the merged one holds both
        Assert.True(stats.Entries < 200_000, $"{stats.Entries} region entries");
    }

    /// <summary>A loop whose body is 40 blocks of 5 instructions (200 in all), each ending in a branch to a
    /// block after the loop that never runs.</summary>
    private static void LongBody(Assembler a)
    {
        var loop = a.CreateLabel();
        var never = a.CreateLabel();
        a.mov(ecx, 3_000);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        for (int k = 0; k < 40; k++)
        {
            a.add(ebx, k + 1);
            a.rol(ebx, 3);
            a.xor(ebx, k * 7);
            a.cmp(ebx, 0x7EADBEEF);
            a.je(never);
        }
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
        a.Label(ref never);
        a.ud2();
    }

    [Fact]
    public void A_long_loop_is_first_compiled_in_parts_that_the_jit_compiles_quickly()
    {
        var t = new X86Machine(LongBody);
        var i = Interpreted(LongBody);
        SameEnd(t, i);
        var stats = t.Cpu.TranslationStats;
        // the loop's 202 instructions as two regions of at most MaxFirst (128) each: one method of 202 took the
        // JIT several times as long as two of half the size, while the program waited in the interpreter
        Assert.Equal((2L, 202L), (stats.Regions, stats.Instructions));
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 95 / 100,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }

    [Fact]
    public void A_region_another_region_jumps_to_is_dropped_when_its_code_changes_and_the_other_kept()
    {
        var t = new X86Machine(LateBranch(2_000, 1_000));
        var i = Interpreted(LateBranch(2_000, 1_000));
        SameEnd(t, i);
        Assert.Equal(2, t.Cpu.TranslationStats.Regions);
        // the kernel writes another immediate into the late block only (laid out after the loop's code)
        int imm = t.Memory.Peek(X86Machine.CodeVa, t.CodeLength).AsSpan().IndexOf((ReadOnlySpan<byte>)[0x77, 0x07, 0, 0]);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Poke(X86Machine.CodeVa + (ulong)imm, [0x11, 0]);
            m.Cpu.Rip = X86Machine.CodeVa;
        }
        SameEnd(t, i);
        Assert.Equal((ulong)(2_000 * 3 + 1_000 * 0x11), t[Reg.Rbx]);
        Assert.Equal(1, t.Cpu.TranslationStats.Invalidated);
        Assert.Equal(3, t.Cpu.TranslationStats.Regions);
    }

    private const ulong Callee = X86Machine.CodeVa + 0x1000;

    /// <summary>A loop that calls a function on the next code page 20,000 times.</summary>
    private static X86Machine CrossPage(bool translate)
    {
        var m = new X86Machine(a =>
        {
            var loop = a.CreateLabel();
            a.mov(ecx, 20_000);
            a.xor(ebx, ebx);
            a.Label(ref loop);
            a.call(Callee);
            a.dec(ecx);
            a.jnz(loop);
        });
        m.MapFresh(Callee, PagePerm.UserRo);
        m.Assemble(Callee, a => { a.add(rbx, rcx); a.imul(rbx, rbx, 3); a.ret(); });
        m.Cpu.Translation = translate;
        return m;
    }

    [Fact]
    public void Calls_into_another_pages_function_and_returns_go_on_between_compiled_regions()
    {
        var t = CrossPage(translate: true);
        var i = CrossPage(translate: false);
        SameEnd(t, i);
        var p = t.Cpu.TranslationProfile;
        Assert.True(p.Translated > t.Cpu.InstructionCount * 99 / 100, $"{p.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        // 40,000 jumps between the pages: only the few before both regions existed went back to the interpreter
        Assert.True(p.ExitLeft - p.ExitChained < 500, $"{p.ExitLeft - p.ExitChained} of {p.ExitLeft} jumps out went back to the interpreter");
    }

    [Fact]
    public void A_region_on_another_page_is_not_gone_on_into_once_that_page_maps_other_code()
    {
        var t = CrossPage(translate: true);
        var i = CrossPage(translate: false);
        SameEnd(t, i);
        ulong byThree = t[Reg.Rbx];
        // the kernel maps the callee's page to a fresh frame holding imul by 5: the loop's region must not jump
        // into the region compiled from the old frame
        foreach (var m in new[] { t, i })
        {
            m.MapFresh(Callee, PagePerm.UserRo);
            m.Assemble(Callee, a => { a.add(rbx, rcx); a.imul(rbx, rbx, 5); a.ret(); });
            m.Cpu.Rip = X86Machine.CodeVa;
        }
        SameEnd(t, i);
        Assert.NotEqual(byThree, t[Reg.Rbx]);
    }

    private static X86Machine Interpreted(Action<Assembler> program)
    {
        var m = new X86Machine(program);
        m.Cpu.Translation = false;
        return m;
    }

    [Fact]
    public void A_loop_the_timer_interrupts_at_every_point_is_compiled_once_and_runs_translated()
    {
        var t = new X86Machine(Switch);
        var i = Interpreted(Switch);
        // 7 is prime to the loop's length: the runs resume at every instruction of it
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 7;
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(1, t.Cpu.TranslationStats.Regions);
        // a run of 7 may end inside a block (the interpreter finishes it): most of the loop still runs compiled
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount / 2,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }

    [Fact]
    public void The_cases_of_an_indirect_jump_run_translated_in_the_loop_region()
    {
        var t = new X86Machine(Switch);
        var i = Interpreted(Switch);
        Assert.Equal(StopReason.InvalidOpcode, i.Run());
        Assert.Equal(StopReason.InvalidOpcode, t.Run());
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        var p = t.Cpu.TranslationProfile;
        Assert.True(p.Translated > t.Cpu.InstructionCount * 99 / 100,
            $"{p.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        Assert.True(t.Cpu.TranslationStats.Entries < 100, $"{t.Cpu.TranslationStats.Entries} region entries: the jumps leave the region");
    }

    [Fact]
    public void Regions_compiled_in_the_background_take_over_mid_run_and_end_as_interpreted()
    {
        var t = new X86Machine(Switch);
        t.Cpu.TranslateInBackground = true;
        var i = Interpreted(Switch);
        // small runs; once a region is queued, wait for the JIT's thread (however loaded the machine) so that the
        // rest of the program can run it
        var waited = System.Diagnostics.Stopwatch.StartNew();
        StopReason st;
        do
        {
            st = t.Run(500);
            while (t.Cpu.TranslationsPending > 0 && waited.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(1);
        }
        while (st == StopReason.Budget);
        Assert.Equal(StopReason.InvalidOpcode, st);
        Assert.Equal(StopReason.InvalidOpcode, i.Run());
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "the region compiled in the background never ran");
        Assert.True(t.Cpu.TranslationProfile.Translated > 0);
    }
}

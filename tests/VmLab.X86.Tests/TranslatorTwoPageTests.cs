using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A loop whose body runs across a page boundary, between two instructions or inside one, is compiled into one
/// region that holds the blocks of both pages, instead of leaving its region twice per iteration. That region runs only while the second page is still
/// mapped where it was, can be fetched from and holds the same bytes, and a store into either page ends it as a
/// store into its first page does.
/// </summary>
public class TranslatorTwoPageTests
{
    private const ulong Page2 = X86Machine.CodeVa + 4096;

    /// <summary>A counted loop (ecx from rounds down) whose sixteen one-byte nops straddle the boundary at Page2;
    /// 'add ebx, 7' (83 C3 07) after them is in the second page. With patch, each round first stores cl as that
    /// add's immediate.</summary>
    private static Action<Assembler> Straddling(int rounds, bool patch = false) => a =>
    {
        var loop = a.CreateLabel();
        var start = a.CreateLabel();
        var add = a.CreateLabel();
        a.jmp(start);                       // 5 bytes
        a.db(new byte[patch ? 4053 : 4064]);
        a.Label(ref start);
        a.mov(ecx, rounds);                 // 5
        a.xor(ebx, ebx);                    // 2
        a.mov(edx, 1);                      // 5
        a.Label(ref loop);
        if (patch)
        {
            a.lea(rsi, __[add]);            // 7
            a.mov(__byte_ptr[rsi + 2], cl); // 3
            a.nop();
        }
        a.add(ebx, edx);                    // 2
        a.imul(edx, edx, 3);                // 3
        a.xor(edx, ebx);                    // 2
        for (int k = 0; k < 16; k++) a.nop();   // the boundary falls among these
        a.Label(ref add);
        a.add(ebx, 7);
        a.rol(ebx, 3);
        a.sub(edx, ecx);
        a.dec(ecx);
        a.jnz(loop);
    };

    /// <summary>A counted loop (ecx from rounds down) with six 'add ebx, imm32' (81 C3 imm32, 6 bytes each), the
    /// first of which straddles the boundary at Page2 (its last two bytes in the second page). With patch, each
    /// round first stores cl as the last byte of each add's immediate.</summary>
    private static Action<Assembler> Crossing(int rounds, bool patch = false) => a =>
    {
        var loop = a.CreateLabel();
        var start = a.CreateLabel();
        var adds = a.CreateLabel();
        a.jmp(start);                       // 5 bytes
        a.db(new byte[patch ? 4048 - 22 : 4048]);
        a.Label(ref start);
        a.mov(ecx, rounds);                 // 5
        a.xor(ebx, ebx);                    // 2
        a.mov(edx, 1);                      // 5
        a.Label(ref loop);                  // at 4065 (4043 with patch)
        if (patch)
        {
            a.lea(rsi, __[adds]);           // 7
            for (int k = 0; k < 5; k++) a.mov(__byte_ptr[rsi + 6 * k + 5], cl);   // 3 each
        }
        a.add(ebx, edx);                    // 2
        a.imul(edx, edx, 3);                // 3
        a.xor(edx, ebx);                    // 2
        a.db(new byte[] { 0x0F, 0x1F, 0x40, 0x00, 0x0F, 0x1F, 0x40, 0x00, 0x0F, 0x1F, 0x40, 0x00, 0x0F, 0x1F, 0x40, 0x00, 0x0F, 0x1F, 0x40, 0x00, 0x66, 0x90 });   // nops to 4094
        a.Label(ref adds);
        for (int k = 0; k < 6; k++) a.add(ebx, 0x1234567);
        a.rol(ebx, 3);
        a.sub(edx, ecx);
        a.dec(ecx);
        a.jnz(loop);
    };

    private static void SameEnd(X86Machine t, X86Machine i, StopReason expected = StopReason.InvalidOpcode)
    {
        Assert.Equal(expected, i.Run(10_000_000));
        Assert.Equal(expected, t.Run(10_000_000));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
    }

    [Fact]
    public void A_loop_across_a_page_boundary_runs_in_one_region()
    {
        var (t, i) = TranslatorPair.Of(Straddling(20_000));
        Assert.True(t.CodeLength > 4096 + 16);
        SameEnd(t, i);
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 99 / 100,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        Assert.True(t.Cpu.TranslationProfile.ExitLeft < 100, $"the loop left its region {t.Cpu.TranslationProfile.ExitLeft} times");
    }

    [Fact]
    public void A_loop_with_an_instruction_across_the_boundary_runs_in_one_region()
    {
        var (t, i) = TranslatorPair.Of(Crossing(20_000));
        Assert.Equal(0x81, t.Memory.Peek(Page2 - 2, 1)[0]);   // the first add starts two bytes before the boundary
        SameEnd(t, i);
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 99 / 100,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        Assert.True(t.Cpu.TranslationProfile.ExitLeft < 100, $"the loop left its region {t.Cpu.TranslationProfile.ExitLeft} times");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_into_the_second_page_runs_the_stored_bytes(bool crossing)
    {
        var (t, i) = TranslatorPair.Of(crossing ? Crossing(300, patch: true) : Straddling(300, patch: true), PagePerm.UserRw);
        if (crossing) Assert.Equal(0x81, t.Memory.Peek(Page2 - 2, 1)[0]);
        SameEnd(t, i);
        Assert.NotEqual(0UL, t[Reg.Rbx]);
    }

    /// <summary>Runs the loop to its end, then changes what the second page holds (a new frame there whose first
    /// add adds another value, that value written into the same frame, no page at all, or a page that cannot be
    /// fetched from) and runs it again from the start.</summary>
    [Theory]
    [InlineData(false, "remapped", StopReason.InvalidOpcode)]
    [InlineData(false, "unmapped", StopReason.Fault)]
    [InlineData(false, "no-execute", StopReason.Fault)]
    [InlineData(true, "remapped", StopReason.InvalidOpcode)]
    [InlineData(false, "rewritten", StopReason.InvalidOpcode)]
    [InlineData(true, "rewritten", StopReason.InvalidOpcode)]
    [InlineData(true, "unmapped", StopReason.Fault)]
    public void A_region_runs_only_while_its_second_page_is_the_one_it_was_compiled_from(bool crossing, string change, StopReason expected)
    {
        var (t, i) = TranslatorPair.Of(crossing ? Crossing(5_000) : Straddling(5_000));
        SameEnd(t, i);
        foreach (var m in new[] { t, i })
        {
            byte[] page2 = m.Memory.Peek(Page2, 4096);
            // 83 C3 07, the add's immediate; or the top byte of the straddling add's immediate
            int addAt = crossing ? 1 : Array.IndexOf(page2, (byte)0xC3) + 1;
            int frame = (int)(m.Memory.PhysicalOf(Page2) / 4096);
            switch (change)
            {
                case "remapped":
                    page2[addAt] = 9;
                    m.MapFresh(Page2, PagePerm.UserRo);
                    m.Memory.Poke(Page2, page2);
                    break;
                case "rewritten": m.Memory.Poke(Page2 + (ulong)addAt, [9]); break;   // the same frame, as the kernel writes it
                case "unmapped": m.Memory.Unmap(Page2); break;
                default: m.Memory.Map(Page2, frame, PagePerm.UserRo | PagePerm.NoExecute); break;
            }
            m.Cpu.Rip = X86Machine.CodeVa;
        }
        SameEnd(t, i, expected);
        if (expected == StopReason.Fault) Assert.Equal(Page2, t.Cpu.LastFault.Address);
        if (change is "remapped" or "rewritten") Assert.NotEqual(0UL, t[Reg.Rbx]);
    }
}

using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>An instruction that starts on one page and ends on the next is cached like any other, and what
/// runs is always what the two pages hold now: after a store into either half, after the second page is
/// remapped, and through two virtual mappings of the same first frame.</summary>
public class StraddleTests
{
    private const ulong Code = X86Machine.CodeVa, Page2 = X86Machine.CodeVa + 4096, At = Page2 - 3;

    /// <summary>mov eax, imm32 at At: opcode and two immediate bytes on the first page, then the immediate's
    /// high half and then the given bytes on the second (a fresh frame).</summary>
    private static X86Machine StraddlingMov(Action<Iced.Intel.Assembler> main, byte hi0, byte hi1, params byte[] after)
    {
        var m = new X86Machine(main);
        m.MapFresh(Page2, PagePerm.UserRo);
        m.Memory.Poke(At, [0xB8, 0x01, 0x02]);
        m.Memory.Poke(Page2, [hi0, hi1, .. after]);
        return m;
    }

    [Fact]
    public void A_straddling_instruction_in_a_loop_is_decoded_once()
    {
        var m = StraddlingMov(a =>
        {
            var loop = a.CreateLabel();
            a.xor(ebx, ebx);
            a.mov(ecx, 500);
            a.Label(ref loop);
            a.call(At);
            a.add(rbx, rax);
            a.dec(ecx);
            a.jnz(loop);
        }, 0x03, 0x04, 0xC3);   // ret
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(500UL * 0x04030201, m[Reg.Rbx]);
        Assert.InRange(m.Cpu.BlocksDecoded, 1, 10);
    }

    [Fact]
    public void Runs_again_use_the_cached_decode_and_a_rewritten_or_remapped_second_page_runs_its_new_bytes()
    {
        var m = StraddlingMov(_ => { }, 0x03, 0x04, 0x0F, 0x0B);   // ud2 after it
        m.Cpu.Rip = At;
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x04030201UL, m[Reg.Rax]);
        long decoded = m.Cpu.BlocksDecoded;
        for (int i = 0; i < 3; i++)
        {
            m.Cpu.Rip = At;
            Assert.Equal(StopReason.InvalidOpcode, m.Run());
        }
        Assert.Equal(decoded, m.Cpu.BlocksDecoded);

        m.Memory.Poke(Page2, [0x0A, 0x0B]);   // the kernel writes the second half between runs
        m.Cpu.Rip = At;
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x0B0A0201UL, m[Reg.Rax]);

        m.MapFresh(Page2, PagePerm.UserRo);
        m.Memory.Poke(Page2, [0x05, 0x06, 0x0F, 0x0B]);
        m.Cpu.Rip = At;
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x06050201UL, m[Reg.Rax]);
    }

    [Fact]
    public void Two_mappings_of_the_first_frame_with_different_second_pages_each_run_their_own_bytes()
    {
        const ulong alias = 0x503000;   // its pages tag other slots than the first mapping's
        var m = StraddlingMov(a =>
        {
            a.call(At);
            a.mov(ebx, eax);
            a.call(alias + 4096 - 3);
            a.mov(ecx, eax);
        }, 0x03, 0x04, 0xC3);
        m.Memory.Map(alias, (int)(m.Memory.PhysicalOf(Code) / 4096), PagePerm.UserRo);
        m.MapFresh(alias + 4096, PagePerm.UserRo);
        m.Memory.Poke(alias + 4096, [0x07, 0x08, 0xC3]);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x04030201UL, m[Reg.Rbx]);
        Assert.Equal(0x08070201UL, m[Reg.Rcx]);
    }

    [Fact]
    public void A_store_into_the_second_pages_half_of_a_cached_straddling_jump_takes_effect_in_the_same_run()
    {
        // jmp rel32 at Page2 - 2: E9 and the displacement's low byte on the first page, its other three bytes on
        // the second. No instruction starts on the second page, so only the jump itself ties it to this run.
        const ulong jmpAt = Page2 - 2, first = Code + 0x800, second = Code + 0x900, back = Code + 0x100, done = Code + 0x200;
        var m = new X86Machine(a => { a.xor(r12d, r12d); a.jmp(jmpAt); }, PagePerm.UserRw);
        m.MapFresh(Page2, PagePerm.UserRw);
        int rel = (int)((long)first - (long)(jmpAt + 5));
        m.Memory.Poke(jmpAt, [0xE9, .. BitConverter.GetBytes(rel)]);
        byte retargeted = (byte)((rel >> 8) + 1);   // + 0x100: the jump lands on `second` instead
        m.Assemble(first, a => { a.mov(eax, 1); a.jmp(back); });
        m.Assemble(second, a => { a.mov(eax, 2); a.jmp(back); });
        m.Assemble(back, a =>
        {
            a.test(r12, r12);
            a.jnz(done);
            a.mov(r10d, eax);
            a.mov(__byte_ptr[Page2], retargeted);
            a.inc(r12);
            a.jmp(jmpAt);
        });
        m.Assemble(done, a => { a.mov(r11d, eax); a.ud2(); });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(1UL, m[Reg.R10]);
        Assert.Equal(2UL, m[Reg.R11]);
    }

    [Fact]
    public void A_fault_fetching_the_second_page_of_a_cached_instruction_changes_nothing_and_restarts()
    {
        var m = StraddlingMov(_ => { }, 0x03, 0x04, 0x0F, 0x0B);
        m.Cpu.Rip = At;
        Assert.Equal(StopReason.InvalidOpcode, m.Run());   // now cached
        int frame2 = (int)(m.Memory.PhysicalOf(Page2) / 4096);

        foreach (Action<X86Machine> refuse in new Action<X86Machine>[]
                 {
                     x => x.Memory.Unmap(Page2),
                     x => x.Memory.Map(Page2, frame2, PagePerm.UserRo | PagePerm.NoExecute),
                 })
        {
            m.Cpu.Rip = At;
            m[Reg.Rax] = 77;
            long retired = m.Cpu.InstructionCount;
            refuse(m);
            Assert.Equal(StopReason.Fault, m.Run());
            Assert.Equal(FaultKind.PageFault, m.Cpu.LastFault.Kind);
            Assert.Equal(Page2, m.Cpu.LastFault.Address);
            Assert.Equal(Access.Fetch, m.Cpu.LastFault.Access);
            Assert.Equal(At, m.Cpu.Rip);
            Assert.Equal(77UL, m[Reg.Rax]);
            Assert.Equal(retired, m.Cpu.InstructionCount);
        }

        m.Memory.Protect(Page2, PagePerm.UserRo);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x04030201UL, m[Reg.Rax]);
        Assert.Equal(Page2 + 2, m.Cpu.Rip);
    }
}

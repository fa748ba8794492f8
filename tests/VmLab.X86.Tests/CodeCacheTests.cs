using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>Self-modifying code always runs its new bytes, whatever pages the run has been through.</summary>
public class CodeCacheTests
{
    [Fact]
    public void A_store_from_a_page_that_shares_a_tag_slot_with_the_code_it_changes_is_still_seen()
    {
        // The writer lives 16 pages above the code it patches, where the two pages' tags collide.
        const ulong code = X86Machine.CodeVa, target = code + 0x100, done = code + 0x200, writer = code + 16 * 4096;
        var m = new X86Machine(a => { a.xor(r12d, r12d); a.jmp(target); }, PagePerm.UserRw);
        m.MapFresh(writer, PagePerm.UserRo);
        m.Assemble(target, a =>
        {
            a.mov(eax, 1);   // B8 01 00 00 00: the writer turns the 01 into 02
            a.test(r12, r12);
            a.jnz(done);
            a.inc(r12);
            a.call(writer);
            a.jmp(target);
        });
        m.Assemble(writer, a => { a.mov(__byte_ptr[target + 1], 2); a.ret(); });
        m.Assemble(done, a => { a.mov(r11d, eax); a.ud2(); });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(2UL, m[Reg.R11]);
    }
}

using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A compiled region's loads and stores that the host TLB cannot serve (a miss, a page-crossing access, a fault,
/// a store into code) first leave the region for the interpreter (rip on the instruction, its state as it found
/// it); once a page's regions have missed often enough (the miss limit: 0 here makes it at once, 40 part way
/// through the loops) they go through the region's one slow path instead, which stores the registers, the flags
/// record and the scratch values to the CPU, calls the MMU walk and loads them back. Either way the translated
/// machine must be the interpreted one, at every timer stop, at a fault (the state of the faulting instruction,
/// nothing written) and after a store into its own code.
/// </summary>
public class TranslatorSlowPathTests
{
    private const ulong PageA = 0x900000, PageB = 0xA00000, Unmapped = 0xB00000;

    private static void SameStop(X86Machine t, X86Machine i, StopReason expected)
    {
        Assert.Equal(expected, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
    }

    /// <summary>Fifteen registers and the flags live through a loop whose every access misses the host TLB: pages A
    /// and B share a host TLB slot and the loop alternates between them (a load, a read-modify-write and a store
    /// each time, with a cmp's carry read by the adc after the load). Then a load from an unmapped page.</summary>
    private static void Alternating(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(r15, PageA);
        a.mov(ecx, 3000);
        a.xor(edx, edx);
        a.mov(r8, 0x0123456789ABCDEF);
        foreach (var (r, v) in new[] { (r9, 3L), (r10, 5L), (r11, 7L), (r12, 11L), (r13, 13L), (r14, 17L), (rsi, 19L), (rdi, 23L), (rbp, 29L) })
            a.mov(r, v);
        a.Label(ref loop);
        a.cmp(rax, r8);
        a.mov(rbx, __qword_ptr[r15 + rdx + 8]);
        a.adc(rax, rbx);                          // the cmp's CF, across the load's slow path
        a.add(__qword_ptr[r15 + rdx + 16], rax);
        a.xor(rdx, (int)(PageB - PageA));
        a.rol(r9, 7);
        a.add(r9, rax);
        a.xor(r10, r9);
        a.imul(r11, r10, 31);
        a.add(r12, r11);
        a.sub(r13, r12);
        a.xor(r14, r13);
        a.add(rsi, r14);
        a.add(rdi, rsi);
        a.add(rbp, rdi);
        a.mov(__qword_ptr[r15 + rdx + 24], rbp);
        a.sub(rax, rbx);
        a.dec(ecx);
        a.jnz(loop);
        a.cmp(rbp, rdi);                          // flags a fault must leave as they are
        a.mov(rax, __qword_ptr[r15 + (int)(Unmapped - PageA)]);
        a.nop();
    }

    private static (X86Machine, X86Machine) AlternatingPair(long missLimit)
    {
        var (t, i) = TranslatorPair.Of(Alternating, missLimit: missLimit);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Map(PageA, 50, PagePerm.UserRw);
            m.Memory.Map(PageB, 51, PagePerm.UserRw);
        }
        return (t, i);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(TranslatorPair.Default)]
    public void A_loop_whose_every_access_misses_the_host_TLB_stops_and_faults_as_interpreted(long missLimit)
    {
        var (t, i) = AlternatingPair(missLimit);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 53;   // more than a pass of the loop, stopping all over it
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(FaultKind.PageFault, t.Cpu.LastFault.Kind);
        Assert.Equal(Unmapped, t.Cpu.LastFault.Address);
        Assert.Equal(i.Memory.Peek(PageA, 64), t.Memory.Peek(PageA, 64));
        Assert.Equal(i.Memory.Peek(PageB, 64), t.Memory.Peek(PageB, 64));
        Assert.NotEqual(new byte[64], t.Memory.Peek(PageB, 64));
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "nothing ran translated");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(TranslatorPair.Default)]
    public void The_same_loop_without_the_timer_ends_in_the_same_state(long missLimit)
    {
        var (t, i) = AlternatingPair(missLimit);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(i.Memory.Peek(PageA, 64), t.Memory.Peek(PageA, 64));
        Assert.Equal(i.Memory.Peek(PageB, 64), t.Memory.Peek(PageB, 64));
    }

    /// <summary>Stores that hit, then an unaligned store across the end of the data page into a read-only page,
    /// a read-modify-write there, and a read-modify-write that completes followed by a load across into an
    /// unmapped page: each faults on the second page with nothing written. A run that resumes after a fault
    /// interprets up to the next block start, so each faulting instruction comes after a jump: each runs compiled.</summary>
    private static void Straddling(Assembler a)
    {
        var loop = a.CreateLabel();
        var second = a.CreateLabel();
        var third = a.CreateLabel();
        a.mov(rdi, X86Machine.DataVa + 4093);
        a.mov(rax, 0x1122334455667788);
        a.mov(ecx, 500);
        a.Label(ref loop);
        a.mov(__qword_ptr[rdi - 4000], rax);
        a.add(rax, rcx);
        a.dec(ecx);
        a.jnz(loop);
        a.cmp(rax, 77);
        a.mov(__qword_ptr[rdi], rax);             // bytes 4093..4100: the last 4 on the read-only page
        a.jmp(second);
        a.Label(ref second);
        a.cmp(rax, 99);
        a.sub(__dword_ptr[rdi + 2], eax);         // 4095..4098 on the read-only page again
        a.jmp(third);
        a.Label(ref third);
        a.sub(__dword_ptr[rdi + 1], ecx);         // 4094..4097, its flags seen at the next fault
        a.mov(rbx, __qword_ptr[rdi + 4096]);      // 8189..8196: into the unmapped page
        a.nop();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(TranslatorPair.Default)]
    public void A_store_straddling_into_a_read_only_page_faults_on_that_page_and_writes_nothing(long missLimit)
    {
        var (t, i) = TranslatorPair.Of(Straddling, missLimit: missLimit);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Map(X86Machine.DataVa + 4096, 52, PagePerm.UserRo);
            m.Memory.Poke(X86Machine.DataVa + 4093, [0xA1, 0xA2, 0xA3]);
        }
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(X86Machine.DataVa + 4096, t.Cpu.LastFault.Address);
        Assert.Equal(0x7UL, (ulong)t.Cpu.LastFault.ErrorCode & 0x7);   // P | W | U
        Assert.Equal(new byte[] { 0xA1, 0xA2, 0xA3 }, t.Memory.Peek(X86Machine.DataVa + 4093, 3));
        // the page made writable, the store goes on; read-only again, the read-modify-write faults the same way
        foreach (var m in new[] { t, i }) m.Memory.Protect(X86Machine.DataVa + 4096, PagePerm.UserRw);
        t.Cpu.Step();
        i.Cpu.Step();
        foreach (var m in new[] { t, i }) m.Memory.Protect(X86Machine.DataVa + 4096, PagePerm.UserRo);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(X86Machine.DataVa + 4096, t.Cpu.LastFault.Address);
        Assert.Equal(X86Machine.CodeVa, t.Cpu.Rip & ~0xFFFUL);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa + 4088, 16), t.Memory.Peek(X86Machine.DataVa + 4088, 16));
        // writable: both subtractions complete, and the load faults on the unmapped page with the last one's flags
        foreach (var m in new[] { t, i }) m.Memory.Protect(X86Machine.DataVa + 4096, PagePerm.UserRw);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(X86Machine.DataVa + 8192, t.Cpu.LastFault.Address);
        Assert.Equal(0x4UL, (ulong)t.Cpu.LastFault.ErrorCode & 0x7);   // not present, read, user
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa + 4088, 16), t.Memory.Peek(X86Machine.DataVa + 4088, 16));
        Assert.True(t.Cpu.TranslationStats.Entries >= 3, "the faulting instructions did not run compiled");
    }

    /// <summary>50 rounds of rewriting the imm8 of 'add ebx, imm8' with two read-modify-writes (and then or) from
    /// a compiled region: the add runs with the round's count, as the interpreter runs it.</summary>
    private static void PatchingByReadModifyWrite(Assembler a)
    {
        var loop = a.CreateLabel();
        var patched = a.CreateLabel();
        a.mov(ecx, 50);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        a.mov(rax, unchecked((long)0x9090_9090_9000_C383));   // add ebx, imm8; five nops
        a.movzx(edx, cl);
        a.shl(edx, 16);
        a.or(rax, rdx);
        a.lea(rdi, __[patched]);
        a.and(__qword_ptr[rdi], 0);
        a.or(__qword_ptr[rdi], rax);
        a.Label(ref patched);
        a.add(ebx, 100);   // 83 C3 64
        for (int k = 0; k < 5; k++) a.nop();
        a.dec(ecx);
        a.jnz(loop);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(TranslatorPair.Default)]
    public void A_read_modify_write_into_the_next_instruction_runs_the_written_bytes(long missLimit)
    {
        var (t, i) = TranslatorPair.Of(PatchingByReadModifyWrite, PagePerm.UserRw, missLimit);
        SameStop(t, i, StopReason.InvalidOpcode);
        Assert.Equal(50UL * 51 / 2, t[Reg.Rbx]);
        Assert.Equal(t.Memory.Peek(X86Machine.CodeVa, t.CodeLength), i.Memory.Peek(X86Machine.CodeVa, t.CodeLength));
    }
}

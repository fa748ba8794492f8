using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A compiled region serves an access at rbp plus a displacement (gcc -O0's locals) from its frame page when it
/// can: the page of the last such access whose host TLB entry hit, one for reading and one for writing, held in
/// locals. So the page must hold every byte of the access (a local straddling out of it is not served from it), a
/// page read through it is not written through it (a read-only frame still faults), and an address no frame page
/// has (a non-canonical rbp; page 0 before the region has one) still faults: in every case the interpreted machine
/// is the oracle.
/// </summary>
public class TranslatorFramePageTests
{
    // pages A and B share a host TLB slot, one that no code, data or stack page of the machine has
    private const ulong PageA = 0x901000, PageB = 0xA01000;

    private static void SameStop(X86Machine t, X86Machine i, StopReason expected)
    {
        Assert.Equal(expected, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.True(t.Cpu.TranslationStats.Entries > 0, "nothing ran translated");
    }

    private static (X86Machine, X86Machine) Pair(Action<Assembler> program, PagePerm a = PagePerm.UserRw, PagePerm b = PagePerm.UserRw)
    {
        var (t, i) = TranslatorPair.Of(program);
        foreach (var m in new[] { t, i })
        {
            m.Memory.Map(PageA, 50, a);
            m.Memory.Map(PageB, 51, b);
        }
        return (t, i);
    }

    /// <summary>-O0 code: locals loaded, added to and stored through rbp, which moves between two pages (sharing a
    /// host TLB slot) every round; a pointer kept in a local is followed into the data page.</summary>
    private static void Frames(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(rbp, PageA + 0x800);
        a.mov(__qword_ptr[rbp - 8], 2000);
        a.mov(rax, X86Machine.DataVa);
        a.mov(__qword_ptr[rbp - 16], rax);
        a.mov(rbx, PageB + 0x800);
        a.mov(__qword_ptr[rbx - 16], rax);
        a.Label(ref loop);
        a.mov(rax, __qword_ptr[rbp - 16]);
        a.movzx(edx, __byte_ptr[rax]);
        a.add(edx, 3);
        a.mov(__byte_ptr[rax], dl);
        a.add(__qword_ptr[rbp - 16], 1);
        a.mov(rcx, __qword_ptr[rbp - 8]);
        a.mov(__qword_ptr[rbx - 8], rcx);           // the other page's count follows this one's
        a.mov(__dword_ptr[rbp - 20], edx);
        a.add(__word_ptr[rbp - 22], dx);
        a.xchg(rbp, rbx);
        a.sub(__qword_ptr[rbp - 8], 1);
        a.jnz(loop);
    }

    [Fact]
    public void Locals_in_two_frames_on_pages_sharing_a_host_TLB_slot_run_as_interpreted()
    {
        var (t, i) = Pair(Frames);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 37;
        SameStop(t, i, StopReason.InvalidOpcode);
        Assert.Equal(i.Memory.Peek(PageA, 4096), t.Memory.Peek(PageA, 4096));
        Assert.Equal(i.Memory.Peek(PageB, 4096), t.Memory.Peek(PageB, 4096));
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
        Assert.NotEqual(new byte[16], t.Memory.Peek(X86Machine.DataVa, 16));
    }

    /// <summary>A hot loop reading two locals through rbp, which moves 8 bytes down each round from near the start
    /// of page A: an aligned one (the host TLB's entries are made by aligned accesses) that keeps page A the stack
    /// page, and one 4 bytes off that in the end straddles into the page before A, which is unmapped: its last
    /// byte is in the frame page, its first is not. The fault is on that page.</summary>
    private static void Straddling(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(rbp, PageA + 0x140);
        a.mov(ecx, 100);
        a.xor(eax, eax);
        a.Label(ref loop);
        a.add(rax, __qword_ptr[rbp + 0x18]);
        a.add(rax, __qword_ptr[rbp + 0x0C]);
        a.sub(rbp, 8);
        a.dec(ecx);
        a.jnz(loop);
    }

    [Fact]
    public void A_local_straddling_out_of_the_frame_page_faults_on_the_page_before()
    {
        var (t, i) = Pair(Straddling);
        foreach (var m in new[] { t, i }) m.Memory.Poke(PageA, [.. Enumerable.Range(1, 0x160).Select(v => (byte)v)]);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(PageA - 4, t.Cpu.LastFault.Address);
        Assert.Equal(PageA - 16, t[Reg.Rbp]);
    }

    /// <summary>Loads of a local in a read-only page, hot, then a store next to it.</summary>
    private static void ReadOnlyFrame(Assembler a)
    {
        var loop = a.CreateLabel();
        var next = a.CreateLabel();
        a.mov(rbp, PageA + 0x800);
        a.mov(ecx, 500);
        a.xor(eax, eax);
        a.Label(ref loop);
        a.add(rax, __qword_ptr[rbp - 8]);
        a.add(rax, __qword_ptr[rbp - 16]);
        a.dec(ecx);
        a.jnz(loop);
        a.jmp(next);
        a.Label(ref next);
        a.mov(rdx, __qword_ptr[rbp - 24]);
        a.mov(__qword_ptr[rbp - 24], rax);
        a.nop();
    }

    [Fact]
    public void A_store_to_a_read_only_frame_read_through_the_frame_page_faults()
    {
        var (t, i) = Pair(ReadOnlyFrame, a: PagePerm.UserRo);
        foreach (var m in new[] { t, i }) m.Memory.Poke(PageA + 0x7F0, [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(PageA + 0x800 - 24, t.Cpu.LastFault.Address);
        Assert.Equal(0x7UL, (ulong)t.Cpu.LastFault.ErrorCode & 0x7);   // P | W | U
        Assert.Equal(1500UL, t[Reg.Rax]);
    }

    /// <summary>A hot loop of locals, then rbp moved out of the canonical addresses and a local read there (no
    /// page number any frame page has).</summary>
    private static void NonCanonical(Assembler a)
    {
        var loop = a.CreateLabel();
        var next = a.CreateLabel();
        a.mov(rbp, PageA + 0x10);
        a.mov(ecx, 500);
        a.Label(ref loop);
        a.mov(rax, __qword_ptr[rbp - 0x10]);
        a.add(rax, rcx);
        a.mov(__qword_ptr[rbp - 0x10], rax);
        a.dec(ecx);
        a.jnz(loop);
        a.mov(rbp, unchecked((long)0x8000_0000_0000_0010));
        a.jmp(next);
        a.Label(ref next);
        a.mov(rdx, __qword_ptr[rbp - 0x10]);
        a.nop();
    }

    [Fact]
    public void A_local_at_a_non_canonical_frame_pointer_faults()
    {
        var (t, i) = Pair(NonCanonical);
        Assert.Equal(StopReason.Fault, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(0x8000_0000_0000_0000UL, t.Cpu.LastFault.Address);   // the test bus has no #GP: a page fault there
        Assert.Equal(500UL * 501 / 2, t[Reg.Rax]);
    }

    /// <summary>A region whose first access is a local in page 0 (unmapped, and the page number a frame page's
    /// locals would hold before anything set them).</summary>
    private static void PageZero(Assembler a)
    {
        var next = a.CreateLabel();
        a.mov(rbp, 0x10);
        a.jmp(next);
        a.Label(ref next);
        a.mov(rdx, __qword_ptr[rbp - 8]);
        a.nop();
    }

    [Fact]
    public void A_local_in_page_zero_faults_at_a_region_s_first_access()
    {
        var (t, i) = Pair(PageZero);
        SameStop(t, i, StopReason.Fault);
        Assert.Equal(8UL, t.Cpu.LastFault.Address);
    }
}

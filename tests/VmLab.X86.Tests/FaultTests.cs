using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>Faults change nothing and restart exactly; #DE, #UD and #GP where the SDM raises them.</summary>
public class FaultTests
{
    [Fact]
    public void Division_by_zero_raises_divide_error_on_the_div_with_nothing_changed()
    {
        var m = new X86Machine(a => { a.mov(rax, 10); a.xor(edx, edx); a.xor(ecx, ecx); a.div(rcx); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(FaultKind.DivideError, m.Cpu.LastFault.Kind);
        Assert.Equal(new byte[] { 0x48, 0xF7, 0xF1 }, m.Memory.Peek(m.Cpu.Rip, 3));   // div rcx
        Assert.Equal(m.Cpu.Rip, m.Cpu.LastFault.Address);
        Assert.Equal(10UL, m[Reg.Rax]);
    }

    [Fact]
    public void A_quotient_that_does_not_fit_raises_divide_error()
    {
        var m = new X86Machine(a => { a.mov(rdx, 1); a.xor(eax, eax); a.mov(ecx, 1); a.div(rcx); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(FaultKind.DivideError, m.Cpu.LastFault.Kind);
        Assert.Equal(1UL, m[Reg.Rdx]);

        m = new X86Machine(a => { a.mov(rax, long.MinValue); a.cqo(); a.mov(rcx, -1L); a.idiv(rcx); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(FaultKind.DivideError, m.Cpu.LastFault.Kind);

        m = new X86Machine(a => { a.mov(eax, 0x8000); a.mov(cl, 0xFF); a.idiv(cl); });   // -32768 / -1 in 8 bits
        Assert.Equal(StopReason.Fault, m.Run());
    }

    [Fact]
    public void Idiv_truncates_toward_zero_with_the_remainder_taking_the_dividend_sign()
    {
        var m = new X86Machine(a => { a.mov(rax, -7L); a.cqo(); a.mov(rcx, 2); a.idiv(rcx); });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(unchecked((ulong)-3L), m[Reg.Rax]);
        Assert.Equal(ulong.MaxValue, m[Reg.Rdx]);
    }

    [Fact]
    public void A_push_that_faults_leaves_rsp_and_rip_unchanged_and_runs_again_once_mapped()
    {
        const ulong top = 0x900000;
        var m = new X86Machine(a => { a.mov(rsp, (long)top); a.mov(eax, 42); a.push(rax); a.pop(rbx); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(FaultKind.PageFault, m.Cpu.LastFault.Kind);
        Assert.Equal(top - 8, m.Cpu.LastFault.Address);
        Assert.Equal(Access.Write, m.Cpu.LastFault.Access);
        Assert.Equal(top, m[Reg.Rsp]);
        ulong rip = m.Cpu.Rip;
        m.MapFresh(top - 8, PagePerm.UserRw);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(42UL, m[Reg.Rbx]);
        Assert.Equal(top, m[Reg.Rsp]);
        Assert.True(m.Cpu.Rip > rip);
    }

    [Fact]
    public void Rep_movsb_across_a_missing_page_stops_with_rcx_rsi_rdi_exact_and_finishes_when_restarted()
    {
        const ulong src = 0xA00000, dst = 0xB00000;
        const int n = 6000;
        var m = new X86Machine(a =>
        {
            a.mov(rsi, (long)src);
            a.mov(rdi, (long)(dst + 3));
            a.mov(ecx, n);
            a.rep.movsb();
        });
        m.MapFresh(src, PagePerm.UserRw);
        m.MapFresh(src + 4096, PagePerm.UserRw);
        m.MapFresh(dst, PagePerm.UserRw);   // dst + 4096 is missing
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        m.Memory.Poke(src, bytes);

        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(dst + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(Access.Write, m.Cpu.LastFault.Access);
        const ulong copied = 4096 - 3;
        Assert.Equal((ulong)n - copied, m[Reg.Rcx]);
        Assert.Equal(src + copied, m[Reg.Rsi]);
        Assert.Equal(dst + 4096, m[Reg.Rdi]);
        Assert.Equal(bytes.AsSpan(0, (int)copied).ToArray(), m.Memory.Peek(dst + 3, (int)copied));

        m.MapFresh(dst + 4096, PagePerm.UserRw);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0UL, m[Reg.Rcx]);
        Assert.Equal(bytes.AsSpan(0, n).ToArray(), m.Memory.Peek(dst + 3, n));
    }

    [Fact]
    public void An_unaligned_store_across_pages_writes_nothing_when_the_second_page_refuses()
    {
        const ulong data = X86Machine.DataVa;
        var m = new X86Machine(a => { a.mov(rax, -1L); a.mov(rdi, (long)(data + 4092)); a.mov(__qword_ptr[rdi], rax); });
        m.MapFresh(data + 4096, PagePerm.UserRo);
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(data + 4096, m.Cpu.LastFault.Address);
        Assert.True((m.Cpu.LastFault.ErrorCode & PageFaultError.Present) != 0);
        Assert.Equal(new byte[4], m.Memory.Peek(data + 4092, 4));
    }

    [Fact]
    public void An_add_to_read_only_memory_faults_without_changing_the_flags()
    {
        var m = new X86Machine(a => { a.xor(eax, eax); a.add(__dword_ptr[X86Machine.CodeVa], 1); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(0x44UL, m.Cpu.Rflags & 0x8D5);   // ZF PF from the xor
    }

    [Fact]
    public void A_read_modify_write_of_a_missing_page_faults_as_a_write_as_hardware_reports_it()
    {
        // the read half of add/inc/xchg/bts... is checked as a write: error code W|U, not U
        var m = new X86Machine(a => { a.inc(__qword_ptr[0x900000]); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(PageFaultError.Write | PageFaultError.User, m.Cpu.LastFault.ErrorCode);
        Assert.Equal(Access.Write, m.Cpu.LastFault.Access);
        // a compare only reads
        m = new X86Machine(a => { a.cmp(__qword_ptr[0x900000], 1); });
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(PageFaultError.User, m.Cpu.LastFault.ErrorCode);
    }

    [Fact]
    public void Unsupported_and_undefined_instructions_stop_as_invalid_opcode_naming_the_mnemonic()
    {
        var m = new X86Machine(a => { a.mov(eax, 1); a.cpuid(); });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal("cpuid", m.Cpu.InvalidMnemonic);
        Assert.Equal(X86Machine.CodeVa + 5, m.Cpu.Rip);
        Assert.Equal(1L, m.Cpu.InstructionCount);
    }

    [Fact]
    public void Hlt_in_user_mode_is_a_general_protection_fault()
    {
        var m = new X86Machine(a => a.hlt());
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(FaultKind.GeneralProtection, m.Cpu.LastFault.Kind);
        Assert.Equal(X86Machine.CodeVa, m.Cpu.Rip);
    }

    [Fact]
    public void An_instruction_crossing_into_a_missing_page_faults_on_the_fetch_of_that_page()
    {
        // mov rax, imm64 is 10 bytes; start it 4 bytes before the end of the only code page
        var m = new X86Machine(a => { });
        ulong at = X86Machine.CodeVa + 4092;
        m.Memory.Poke(at, [0x48, 0xB8, 1, 2]);
        m.Cpu.Rip = at;
        Assert.Equal(StopReason.Fault, m.Run());
        Assert.Equal(X86Machine.CodeVa + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(Access.Fetch, m.Cpu.LastFault.Access);
        Assert.Equal(at, m.Cpu.Rip);

        m.MapFresh(X86Machine.CodeVa + 4096, PagePerm.UserRo);
        m.Memory.Poke(X86Machine.CodeVa + 4096, [3, 4, 5, 6, 7, 8, 0x0F, 0x0B]);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x0807060504030201UL, m[Reg.Rax]);
    }
}

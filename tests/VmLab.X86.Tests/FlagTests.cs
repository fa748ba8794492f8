using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>RFLAGS edge cases, each against the value the SDM defines.</summary>
public class FlagTests
{
    private const ulong CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800, Status = CF | PF | AF | ZF | SF | OF;

    private static X86Machine Done(Action<Iced.Intel.Assembler> program)
    {
        var m = new X86Machine(program);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        return m;
    }

    [Fact]
    public void Add_sets_overflow_on_a_signed_wrap_and_carry_on_an_unsigned_one()
    {
        var m = Done(a => { a.mov(rax, long.MaxValue); a.add(rax, 1); });
        Assert.Equal(0x8000_0000_0000_0000UL, m[Reg.Rax]);
        Assert.Equal(OF | SF | AF | PF, m.Flags & Status);

        m = Done(a => { a.mov(rax, 0x1234_5678_9ABC_DEFFL); a.add(al, 1); });
        Assert.Equal(0x1234_5678_9ABC_DE00UL, m[Reg.Rax]);   // only al changes
        Assert.Equal(CF | ZF | AF | PF, m.Flags & Status);
    }

    [Fact]
    public void Sub_borrows_and_a_32_bit_result_clears_the_upper_half()
    {
        var m = Done(a => { a.mov(rax, -1L); a.mov(ecx, 0); a.sub(ecx, 1); a.mov(eax, ecx); });
        Assert.Equal(0xFFFF_FFFFUL, m[Reg.Rax]);
        Assert.Equal(CF | SF | AF | PF, m.Flags & Status);

        m = Done(a => { a.mov(eax, 0x80000000); a.sub(eax, 1); });
        Assert.Equal(0x7FFF_FFFFUL, m[Reg.Rax]);
        Assert.Equal(OF | AF | PF, m.Flags & Status);
    }

    [Fact]
    public void Adc_and_sbb_take_the_carry_in_and_report_the_carry_out()
    {
        var m = Done(a => { a.mov(rax, -1L); a.stc(); a.adc(rax, 0); });
        Assert.Equal(0UL, m[Reg.Rax]);
        Assert.Equal(CF | ZF | AF | PF, m.Flags & Status);

        m = Done(a => { a.mov(rax, long.MaxValue); a.stc(); a.adc(rax, 0); });
        Assert.Equal(OF | SF | AF | PF, m.Flags & Status);

        m = Done(a => { a.mov(eax, 0); a.stc(); a.sbb(eax, 0); });
        Assert.Equal(0xFFFF_FFFFUL, m[Reg.Rax]);
        Assert.Equal(CF | SF | AF | PF, m.Flags & Status);
    }

    [Fact]
    public void A_shift_by_zero_changes_no_flag_and_counts_are_masked()
    {
        // cmp leaves CF SF (1 - 2); shl by cl = 0, and by cl = 64 (masked to 0), must keep them
        var m = Done(a => { a.mov(rdx, 1); a.cmp(rdx, 2); a.mov(ecx, 64); a.mov(rax, 5); a.shl(rax, cl); });
        Assert.Equal(5UL, m[Reg.Rax]);
        Assert.Equal(CF | SF | AF | PF, m.Flags & Status);

        // a 32-bit shift by 0 still writes the register, so the upper half clears
        m = Done(a => { a.mov(rax, -1L); a.xor(ecx, ecx); a.shl(eax, cl); });
        Assert.Equal(0xFFFF_FFFFUL, m[Reg.Rax]);
    }

    [Fact]
    public void Shift_by_one_sets_overflow_and_by_63_carries_out_the_right_bit()
    {
        var m = Done(a => { a.mov(rax, 0x4000_0000_0000_0000L); a.shl(rax, 1); });
        Assert.Equal(0x8000_0000_0000_0000UL, m[Reg.Rax]);
        Assert.Equal(OF | SF, m.Flags & (OF | SF | CF | ZF));

        m = Done(a => { a.mov(rax, 2); a.shl(rax, 63); });
        Assert.Equal(0UL, m[Reg.Rax]);
        Assert.Equal(CF | ZF, m.Flags & (CF | ZF | SF));

        m = Done(a => { a.mov(rax, long.MinValue); a.sar(rax, 63); });
        Assert.Equal(ulong.MaxValue, m[Reg.Rax]);
        Assert.Equal(SF, m.Flags & (CF | ZF | SF));

        m = Done(a => { a.mov(rax, long.MinValue); a.mov(ecx, 63); a.shr(rax, cl); });
        Assert.Equal(1UL, m[Reg.Rax]);
        Assert.Equal(0UL, m.Flags & (CF | ZF | SF));
    }

    [Fact]
    public void Rotates_touch_only_carry_and_overflow()
    {
        var m = Done(a => { a.xor(eax, eax); a.mov(rbx, long.MinValue); a.rol(rbx, 1); });
        Assert.Equal(1UL, m[Reg.Rbx]);
        Assert.Equal(ZF | PF | CF | OF, m.Flags & Status);   // ZF and PF from the xor survive
    }

    [Fact]
    public void Imul_reports_a_product_that_does_not_fit()
    {
        var m = Done(a => { a.mov(rax, 0x1_0000_0000L); a.imul(rax, rax); });
        Assert.Equal(0UL, m[Reg.Rax]);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));

        m = Done(a => { a.mov(rax, -3L); a.mov(rbx, 7); a.imul(rax, rbx); });
        Assert.Equal(unchecked((ulong)-21L), m[Reg.Rax]);
        Assert.Equal(0UL, m.Flags & (CF | OF));

        m = Done(a => { a.mov(eax, 0x10000); a.imul(eax, eax, 0x10000); });
        Assert.Equal(0UL, m[Reg.Rax]);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
    }

    [Fact]
    public void Mul_puts_the_high_half_in_rdx()
    {
        var m = Done(a => { a.mov(rax, -1L); a.mov(rbx, 2); a.mul(rbx); });
        Assert.Equal(ulong.MaxValue - 1, m[Reg.Rax]);
        Assert.Equal(1UL, m[Reg.Rdx]);
        Assert.Equal(CF | OF, m.Flags & (CF | OF));
    }

    [Fact]
    public void Cmov_with_a_false_condition_still_zero_extends_a_32_bit_destination()
    {
        var m = Done(a => { a.mov(rbx, -1L); a.mov(ecx, 5); a.cmp(ecx, 5); a.cmovne(ebx, ecx); });
        Assert.Equal(0xFFFF_FFFFUL, m[Reg.Rbx]);
    }
}

/// <summary>Bit tests on memory address a bit string: a register offset may reach beyond (or below) the operand.</summary>
public class BitStringTests
{
    [Fact]
    public void Bts_on_memory_with_a_register_offset_sets_the_bit_in_the_right_dword_and_reports_its_old_value()
    {
        const ulong data = X86Machine.DataVa + 64;
        var m = new X86Machine(a =>
        {
            a.mov(rdi, (long)data);
            a.mov(eax, 100);                              // bit 100 = dword 3, bit 4
            a.bts(__dword_ptr[rdi], eax);
            a.setc(bl);
            a.mov(rax, -1L);                              // bit -1 = the top bit of the byte before data
            a.bt(__qword_ptr[rdi], rax);
            a.setc(cl);
        });
        m.Memory.Poke(data - 8, [0, 0, 0, 0, 0, 0, 0, 0x80]);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(new byte[] { 0x10, 0, 0, 0 }, m.Memory.Peek(data + 12, 4));
        Assert.Equal(0UL, m[Reg.Rbx] & 0xFF);
        Assert.Equal(1UL, m[Reg.Rcx] & 0xFF);
    }

    [Fact]
    public void Lzcnt_counts_leading_zeros_with_cf_for_a_zero_source_and_zf_for_a_zero_count()
    {
        // not in the differential fuzzer: the build host lacks LZCNT and runs the encoding as bsr
        var m = new X86Machine(a =>
        {
            a.mov(ecx, 1);
            a.lzcnt(rax, rcx);             // 63
            a.xor(edx, edx);
            a.lzcnt(ebx, edx);             // 32, CF = 1
            a.setc(r11b);
            a.mov(r8, unchecked((long)0x8000_0000_0000_0000UL));
            a.lzcnt(r9, r8);               // 0, ZF = 1
            a.setz(r12b);
            a.lzcnt(r10w, cx);             // 15
        });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(63UL, m[Reg.Rax]);
        Assert.Equal(32UL, m[Reg.Rbx]);
        Assert.Equal(0UL, m[Reg.R9]);
        Assert.Equal(15UL, m[Reg.R10] & 0xFFFF);
        Assert.Equal(1UL, m[Reg.R11] & 0xFF);
        Assert.Equal(1UL, m[Reg.R12] & 0xFF);
        Assert.Equal(0UL, m.Flags & 0x41);   // 15 is neither zero nor from a zero source
    }
}

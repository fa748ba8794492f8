using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>The driving contract the kernel relies on: syscall, timer, and decoded code that follows memory.</summary>
public class MachineTests
{
    [Fact]
    public void Syscall_stops_after_the_instruction_with_rcx_and_r11_set_as_on_hardware()
    {
        var m = new X86Machine(a => { a.mov(eax, 3); a.syscall(); a.mov(ebx, eax); });
        Assert.Equal(StopReason.Syscall, m.Run());
        ulong after = X86Machine.CodeVa + 5 + 2;
        Assert.Equal(after, m.Cpu.Rip);
        Assert.Equal(after, m[Reg.Rcx]);
        Assert.Equal(m.Cpu.Rflags, m[Reg.R11]);
        Assert.Equal(3UL, m[Reg.Rax]);
        m[Reg.Rax] = 77;
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(77UL, m[Reg.Rbx]);
    }

    [Fact]
    public void The_timer_fires_after_exactly_the_interval_of_retired_instructions()
    {
        var m = new X86Machine(a =>
        {
            var loop = a.CreateLabel();
            a.Label(ref loop);
            a.inc(rax);
            a.jmp(loop);
        });
        m.Cpu.TimerInterval = 7;
        Assert.Equal(StopReason.Timer, m.Run());
        Assert.Equal(7L, m.Cpu.InstructionCount);
        Assert.Equal(4UL, m[Reg.Rax]);
        Assert.Equal(StopReason.Budget, m.Run(3));
        Assert.Equal(StopReason.Timer, m.Run());
        Assert.Equal(14L, m.Cpu.InstructionCount);
    }

    [Fact]
    public void Code_rewritten_between_runs_runs_as_rewritten()
    {
        var m = new X86Machine(a => { a.mov(eax, 1); a.syscall(); a.mov(eax, 2); a.syscall(); });
        Assert.Equal(StopReason.Syscall, m.Run());
        Assert.Equal(StopReason.Syscall, m.Run());
        Assert.Equal(2UL, m[Reg.Rax]);
        // the kernel loads another program into the same frame: mov eax, 9; syscall
        m.Memory.Poke(X86Machine.CodeVa, [0xB8, 9, 0, 0, 0, 0x0F, 0x05]);
        m.Cpu.Rip = X86Machine.CodeVa;
        Assert.Equal(StopReason.Syscall, m.Run());
        Assert.Equal(9UL, m[Reg.Rax]);
    }

    [Fact]
    public void A_store_into_the_running_code_takes_effect_at_the_next_instruction()
    {
        // the store rewrites the immediate of the very next instruction (mov ebx, imm32)
        var m = new X86Machine(a =>
        {
            a.mov(rdi, (long)X86Machine.CodeVa + 10 + 6 + 1);
            a.mov(__dword_ptr[rdi], 0x55);
            a.mov(ebx, 0x11);
        }, PagePerm.UserRw);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x55UL, m[Reg.Rbx]);
    }

    [Fact]
    public void Calls_returns_and_indirect_jumps_through_a_table_compute_a_recursive_sum()
    {
        var m = new X86Machine(a =>
        {
            var sum = a.CreateLabel();
            var baseCase = a.CreateLabel();
            var end = a.CreateLabel();
            a.mov(edi, 100);
            a.call(sum);
            a.lea(rcx, __[end]);
            a.jmp(rcx);
            a.Label(ref sum);          // rax = rdi + sum(rdi - 1), sum(0) = 0
            a.test(rdi, rdi);
            a.je(baseCase);
            a.push(rdi);
            a.dec(rdi);
            a.call(sum);
            a.pop(rdi);
            a.add(rax, rdi);
            a.ret();
            a.Label(ref baseCase);
            a.xor(eax, eax);
            a.ret();
            a.Label(ref end);
            a.nop();
        });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(5050UL, m[Reg.Rax]);
        Assert.Equal(X86Machine.StackTop, m[Reg.Rsp]);
    }

    [Fact]
    public void String_compare_with_repe_stops_at_the_first_difference()
    {
        var m = new X86Machine(a =>
        {
            a.mov(rsi, (long)X86Machine.DataVa);
            a.mov(rdi, (long)X86Machine.DataVa + 64);
            a.mov(ecx, 16);
            a.repe.cmpsb();
            a.setne(al);
        });
        m.Memory.Poke(X86Machine.DataVa, "hello, world!!!!"u8);
        m.Memory.Poke(X86Machine.DataVa + 64, "hello, there!!!!"u8);
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(1UL, m[Reg.Rax] & 0xFF);
        Assert.Equal(16UL - 8, m[Reg.Rcx]);   // stopped after comparing 'w' with 't'
        Assert.Equal(X86Machine.DataVa + 8, m[Reg.Rsi]);
    }
}

public class FrameTests
{
    [Fact]
    public void Enter_and_leave_build_and_drop_a_frame()
    {
        var m = new X86Machine(a =>
        {
            a.mov(rbp, 0x1234);
            a.enter(32, 0);
            a.mov(__qword_ptr[rbp - 8], 5);
            a.mov(rbx, rbp);
            a.mov(rcx, rsp);
            a.leave();
        });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(X86Machine.StackTop - 8, m[Reg.Rbx]);
        Assert.Equal(X86Machine.StackTop - 8 - 32, m[Reg.Rcx]);
        Assert.Equal(0x1234UL, m[Reg.Rbp]);
        Assert.Equal(X86Machine.StackTop, m[Reg.Rsp]);
        Assert.Equal(5UL, BitConverter.ToUInt64(m.Memory.Peek(X86Machine.StackTop - 16, 8)));
    }

    [Fact]
    public void Pushfq_and_popfq_carry_the_flags_through_the_stack()
    {
        var m = new X86Machine(a =>
        {
            a.stc();
            a.pushfq();
            a.pop(rax);
            a.push(0x800 | 0x40);   // OF and ZF
            a.popfq();
            a.seto(bl);
            a.sete(cl);
            a.setc(dl);
        });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal(0x203UL, m[Reg.Rax] & 0xFFF & ~0xD4UL);   // bit 1, IF, CF (the rest as the last ALU op left them)
        Assert.Equal(1UL, m[Reg.Rbx] & 0xFF);
        Assert.Equal(1UL, m[Reg.Rcx] & 0xFF);
        Assert.Equal(0UL, m[Reg.Rdx] & 0xFF);
    }
}

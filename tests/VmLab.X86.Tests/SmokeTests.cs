using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

public class SmokeTests
{
    [Fact]
    public void A_loop_with_a_call_computes_a_sum_and_stops_at_ud2()
    {
        var m = new X86Machine(a =>
        {
            var loop = a.CreateLabel();
            var fn = a.CreateLabel();
            var done = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 10);
            a.Label(ref loop);
            a.call(fn);
            a.dec(ecx);
            a.jnz(loop);
            a.jmp(done);
            a.Label(ref fn);
            a.add(rax, rcx);
            a.ret();
            a.Label(ref done);
            a.mov(__qword_ptr[X86Machine.DataVa], rax);
        });
        Assert.Equal(StopReason.InvalidOpcode, m.Run());
        Assert.Equal("ud2", m.Cpu.InvalidMnemonic);
        Assert.Equal(55UL, m[Reg.Rax]);
        Assert.Equal(X86Machine.StackTop, m[Reg.Rsp]);
        Assert.Equal(55UL, BitConverter.ToUInt64(m.Memory.Peek(X86Machine.DataVa, 8)));
    }
}

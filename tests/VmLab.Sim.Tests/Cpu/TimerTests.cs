using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>The preemption timer the kernel schedules with: it counts retired instructions only, across runs and
/// single steps, and a process switch is a copy of the register file.</summary>
public class TimerTests
{
    private static X86TestMachine Counter() => new(a =>
    {
        var loop = a.CreateLabel();
        a.Label(ref loop);
        a.add(rax, rbx);
        a.jmp(loop);
    });

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Timer_fires_after_exactly_n_instructions(int n)
    {
        var m = Counter();
        m.Cpu[Reg.Rbx] = 1;
        m.Cpu.TimerInterval = n;
        for (int tick = 1; tick <= 5; tick++)
        {
            Assert.Equal(StopReason.Timer, m.Cpu.Run(1_000_000));
            Assert.Equal(tick * (long)n, m.Cpu.InstructionCount);
        }
        Assert.Equal((ulong)(5 * n + 1) / 2, m.Cpu[Reg.Rax]);
    }

    [Fact]
    public void Timer_counts_across_runs_and_steps()
    {
        var m = Counter();
        m.Cpu.TimerInterval = 10;
        Assert.Equal(StopReason.Budget, m.Cpu.Run(4));
        Assert.Equal(StopReason.Budget, m.Cpu.Step());
        Assert.Equal(5, m.Cpu.TimerRemaining);
        Assert.Equal(StopReason.Timer, m.Cpu.Run(100));
        Assert.Equal(10, m.Cpu.InstructionCount);
    }

    [Fact]
    public void Faults_do_not_count_toward_the_timer()
    {
        const ulong missing = 0x280000;
        var m = new X86TestMachine(a => { a.mov(rbx, (long)missing); a.mov(rax, __qword_ptr[rbx]); a.inc(rax); a.inc(rax); });
        m.Cpu.TimerInterval = 2;
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(1, m.Cpu.TimerRemaining);
        Assert.Equal(1, m.Cpu.InstructionCount);
        m.MapFresh(missing, PagePerm.UserRo);
        Assert.Equal(StopReason.Timer, m.Cpu.Run(100));                      // the load is the second instruction
        Assert.Equal(m.Addresses[2], m.Cpu.Rip);
    }

    [Fact]
    public void A_timer_due_with_a_syscall_is_reported_on_the_next_run()
    {
        var m = new X86TestMachine(a => { a.nop(); a.syscall(); a.nop(); });
        m.Cpu.TimerInterval = 2;
        Assert.Equal(StopReason.Syscall, m.Cpu.Run(100));
        Assert.Equal(StopReason.Timer, m.Cpu.Run(100));
        Assert.Equal(2, m.Cpu.InstructionCount);
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(3, m.Cpu.InstructionCount);
    }

    [Fact]
    public void Context_switch_by_copying_the_register_file()
    {
        // Two "processes" share the code; the kernel switches them on every timer tick.
        var m = Counter();
        var p1 = new RegisterFile { Rip = m.Cpu.Rip, Rflags = 2 };
        p1[Reg.Rbx] = 1;
        var p2 = p1;
        p2[Reg.Rbx] = 100;
        m.Cpu.TimerInterval = 4;
        for (int i = 0; i < 10; i++)
        {
            m.Cpu.Registers = i % 2 == 0 ? p1 : p2;
            Assert.Equal(StopReason.Timer, m.Cpu.Run(long.MaxValue));
            if (i % 2 == 0) p1 = m.Cpu.Registers; else p2 = m.Cpu.Registers;
        }
        Assert.Equal(10UL, p1[Reg.Rax]);     // 5 slices x 2 adds x 1
        Assert.Equal(1000UL, p2[Reg.Rax]);   // 5 slices x 2 adds x 100
    }
}

using VmLab.Sim.Paging;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

public class BlockCopyTests
{
    private const ulong Src = 0x200000, Dst = 0x240000;

    /// <summary>Copies 3 pages + 100 bytes from an odd source offset into pages that are mapped only when the
    /// copy faults on them, the way a kernel would serve demand paging.</summary>
    [Theory]
    [InlineData(0UL, 0UL)]     // both aligned: 8-byte steps
    [InlineData(3UL, 5UL)]     // misaligned: byte steps
    [InlineData(8UL, 0UL)]
    public void Rep_movsb_interrupted_by_faults_resumes_and_completes(ulong srcOff, ulong dstOff)
    {
        int length = 3 * 4096 + 100;
        var m = new PagedMachine($".text\nmov rsi, 0x{Src + srcOff:x}\nmov rdi, 0x{Dst + dstOff:x}\nmov rcx, {length}\nrep movsb\nhlt");
        var rng = new Random(6);
        byte[] data = new byte[length];
        rng.NextBytes(data);
        for (ulong p = Src; p < Src + srcOff + (ulong)length; p += 4096) m.MapFresh(p, PagePerm.UserRo);
        m.Memory.Poke(Src + srcOff, data);

        var faults = new List<MemoryFault>();
        StopReason r;
        while ((r = m.Cpu.Run(1000)) == StopReason.Fault)
        {
            var f = m.Cpu.LastFault;
            faults.Add(f);
            Assert.Equal(Access.Write, f.Access);
            Assert.Equal(m.Cpu[Reg.Rdi], f.Address);                          // progress is exact
            Assert.Equal(TestMachine.Base + 24, m.Cpu.Rip);                    // still on rep movsb
            ulong done = f.Address - (Dst + dstOff);
            Assert.Equal((ulong)length - done, m.Cpu[Reg.Rcx]);
            Assert.Equal(Src + srcOff + done, m.Cpu[Reg.Rsi]);
            Assert.Equal(data.AsSpan(0, (int)done).ToArray(), m.Memory.Peek(Dst + dstOff, (int)done));   // done stays done
            m.MapFresh(f.Address, PagePerm.UserRw);
            Assert.True(faults.Count < 10);
        }
        Assert.Equal(StopReason.Halt, r);
        int pages = (int)(((Dst + dstOff + (ulong)length - 1) >> 12) - (Dst >> 12) + 1);
        Assert.Equal(pages, faults.Count);                                     // one fault per page
        Assert.Equal(faults.Select(f => f.Address >> 12).Distinct().Count(), faults.Count);
        Assert.Equal(data, m.Memory.Peek(Dst + dstOff, length));
        Assert.Equal(0UL, m.Cpu[Reg.Rcx]);
        Assert.Equal(5, m.Cpu.InstructionCount);                               // the copy retired once
    }

    [Fact]
    public void Rep_movsb_faulting_on_the_source_reports_a_read()
    {
        var m = new PagedMachine($".text\nmov rsi, 0x{Src + 4090:x}\nmov rdi, 0x{Dst:x}\nmov rcx, 20\nrep movsb\nhlt");
        m.MapFresh(Src, PagePerm.UserRo);
        m.MapFresh(Dst, PagePerm.UserRw);
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(Access.Read, m.Cpu.LastFault.Access);
        Assert.Equal(Src + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(14UL, m.Cpu[Reg.Rcx]);
        m.MapFresh(Src + 4096, PagePerm.UserRo);
        Assert.Equal(StopReason.Halt, m.Cpu.Run(100));
    }

    [Fact]
    public void Rep_stosb_resumes_after_a_fault()
    {
        var m = new PagedMachine($".text\nmov rdi, 0x{Dst + 4000:x}\nmov rcx, 200\nmov rax, 0x5A\nrep stosb\nhlt");
        m.MapFresh(Dst, PagePerm.UserRw);
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(Dst + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(104UL, m.Cpu[Reg.Rcx]);
        m.MapFresh(Dst + 4096, PagePerm.UserRw);
        Assert.Equal(StopReason.Halt, m.Cpu.Run(100));
        Assert.All(m.Memory.Peek(Dst + 4000, 200), b => Assert.Equal(0x5A, b));
        Assert.Equal(0, m.Memory.Peek(Dst + 4200, 1)[0]);
    }
}

public class TimerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Timer_fires_after_exactly_n_instructions(int n)
    {
        var (cpu, _) = TestMachine.Flat(".text\nloop: add rax, 1\njmp loop");
        cpu.TimerInterval = n;
        for (int tick = 1; tick <= 5; tick++)
        {
            Assert.Equal(StopReason.Timer, cpu.Run(1_000_000));
            Assert.Equal(tick * (long)n, cpu.InstructionCount);
        }
        Assert.Equal((ulong)(5 * n + 1) / 2, cpu[Reg.Rax]);
    }

    [Fact]
    public void Timer_counts_across_runs_and_steps()
    {
        var (cpu, _) = TestMachine.Flat(".text\nloop: add rax, 1\njmp loop");
        cpu.TimerInterval = 10;
        Assert.Equal(StopReason.Budget, cpu.Run(4));
        Assert.Equal(StopReason.Budget, cpu.Step());
        Assert.Equal(5, cpu.TimerRemaining);
        Assert.Equal(StopReason.Timer, cpu.Run(100));
        Assert.Equal(10, cpu.InstructionCount);
    }

    [Fact]
    public void Faults_do_not_count_toward_the_timer()
    {
        var (cpu, _) = TestMachine.Flat(".text\nmov rbx, 0\nudiv rax, rbx\nhlt");
        cpu.TimerInterval = 2;
        Assert.Equal(StopReason.Fault, cpu.Run(100));
        Assert.Equal(StopReason.Fault, cpu.Run(100));
        Assert.Equal(1, cpu.TimerRemaining);
    }

    [Fact]
    public void A_timer_due_with_a_syscall_is_reported_on_the_next_run()
    {
        var (cpu, _) = TestMachine.Flat(".text\nnop\nsyscall\nnop\nhlt");
        cpu.TimerInterval = 2;
        Assert.Equal(StopReason.Syscall, cpu.Run(100));
        Assert.Equal(StopReason.Timer, cpu.Run(100));
        Assert.Equal(2, cpu.InstructionCount);
        Assert.Equal(StopReason.Halt, cpu.Run(100));
    }

    [Fact]
    public void Context_switch_by_copying_the_register_file()
    {
        // Two "processes" share the code; the kernel switches them on every timer tick.
        var (cpu, _) = TestMachine.Flat(".text\nloop: add rax, rbx\njmp loop");
        var p1 = new RegisterFile { Rip = cpu.Rip };
        p1[Reg.Rbx] = 1;
        var p2 = p1;
        p2[Reg.Rbx] = 100;
        cpu.TimerInterval = 4;
        for (int i = 0; i < 10; i++)
        {
            cpu.Registers = i % 2 == 0 ? p1 : p2;
            Assert.Equal(StopReason.Timer, cpu.Run(long.MaxValue));
            if (i % 2 == 0) p1 = cpu.Registers; else p2 = cpu.Registers;
        }
        Assert.Equal(10UL, p1[Reg.Rax]);     // 5 slices x 2 adds x 1
        Assert.Equal(1000UL, p2[Reg.Rax]);   // 5 slices x 2 adds x 100
    }
}

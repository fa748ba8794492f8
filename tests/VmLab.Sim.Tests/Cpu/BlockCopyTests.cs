using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>rep movsb/stosb served by demand paging: each fault stops the copy with rcx, rsi and rdi saying exactly
/// how far it got, the bytes done stay done, and running again finishes it.</summary>
public class BlockCopyTests
{
    private const ulong Src = 0x200000, Dst = 0x240000;

    /// <summary>Copies 3 pages + 100 bytes into pages that are mapped only when the copy faults on them.</summary>
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(3UL, 5UL)]
    [InlineData(8UL, 4095UL)]
    public void Rep_movsb_interrupted_by_faults_resumes_and_completes(ulong srcOff, ulong dstOff)
    {
        int length = 3 * 4096 + 100;
        var m = new X86TestMachine(a =>
        {
            a.mov(rsi, (long)(Src + srcOff));
            a.mov(rdi, (long)(Dst + dstOff));
            a.mov(rcx, length);
            a.rep.movsb();
        });
        byte[] data = new byte[length];
        new Random(6).NextBytes(data);
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
            Assert.Equal(m.Addresses[3], m.Cpu.Rip);                          // still on rep movsb
            ulong done = f.Address - (Dst + dstOff);
            Assert.Equal((ulong)length - done, m.Cpu[Reg.Rcx]);
            Assert.Equal(Src + srcOff + done, m.Cpu[Reg.Rsi]);
            Assert.Equal(data.AsSpan(0, (int)done).ToArray(), m.Memory.Peek(Dst + dstOff, (int)done));   // done stays done
            m.MapFresh(f.Address, PagePerm.UserRw);
            Assert.True(faults.Count < 10);
        }
        Assert.Equal(StopReason.InvalidOpcode, r);                            // the closing ud2
        int pages = (int)(((Dst + dstOff + (ulong)length - 1) >> 12) - (Dst >> 12) + 1);
        Assert.Equal(pages, faults.Count);                                    // one fault per page
        Assert.Equal(faults.Select(f => f.Address >> 12).Distinct().Count(), faults.Count);
        Assert.Equal(data, m.Memory.Peek(Dst + dstOff, length));
        Assert.Equal(0UL, m.Cpu[Reg.Rcx]);
        Assert.Equal(4, m.Cpu.InstructionCount);                              // the copy retired once
    }

    [Fact]
    public void Rep_movsb_faulting_on_the_source_reports_a_read()
    {
        var m = new X86TestMachine(a => { a.mov(rsi, (long)(Src + 4090)); a.mov(rdi, (long)Dst); a.mov(ecx, 20); a.rep.movsb(); });
        m.MapFresh(Src, PagePerm.UserRo);
        m.MapFresh(Dst, PagePerm.UserRw);
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(Access.Read, m.Cpu.LastFault.Access);
        Assert.Equal(Src + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(PageFaultError.User, m.Cpu.LastFault.ErrorCode);          // not present, user, read
        Assert.Equal(14UL, m.Cpu[Reg.Rcx]);
        m.MapFresh(Src + 4096, PagePerm.UserRo);
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(0UL, m.Cpu[Reg.Rcx]);
    }

    [Fact]
    public void Rep_stosb_resumes_after_a_fault_and_stops_at_its_count()
    {
        var m = new X86TestMachine(a => { a.mov(rdi, (long)(Dst + 4000)); a.mov(ecx, 200); a.mov(eax, 0x5A); a.rep.stosb(); });
        m.MapFresh(Dst, PagePerm.UserRw);
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(Dst + 4096, m.Cpu.LastFault.Address);
        Assert.Equal(PageFaultError.User | PageFaultError.Write, m.Cpu.LastFault.ErrorCode);
        Assert.Equal(104UL, m.Cpu[Reg.Rcx]);
        m.MapFresh(Dst + 4096, PagePerm.UserRw);
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.All(m.Memory.Peek(Dst + 4000, 200), b => Assert.Equal(0x5A, b));
        Assert.Equal(0, m.Memory.Peek(Dst + 4200, 1)[0]);
    }
}

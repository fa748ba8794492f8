using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;

namespace VmLab.X86.Tests.Diff;

/// <summary>The same cases on VmLab's CPU: one flat memory at the harness's addresses (code page, data page),
/// reused for every case, so the decoded-block cache sees its code change under it every time.</summary>
internal sealed class VmLabCpu
{
    private readonly byte[] _memory = new byte[2 * 4096];
    private readonly X86Cpu<FlatBus> _cpu;

    public VmLabCpu() => _cpu = new X86Cpu<FlatBus>(new FlatBus(_memory, X86Case.CodeVa));

    public X86Outcome Run(X86Case c)
    {
        Array.Clear(_memory, 0, 4096);
        c.Code.CopyTo(_memory, 0);
        c.Data.CopyTo(_memory, 4096);
        for (int i = 0; i < 16; i++) _cpu[(Reg)i] = c.Regs[i];
        _cpu.Rip = X86Case.CodeVa;
        _cpu.Rflags = c.Rflags;
        StopReason stop = _cpu.Run(100_000);
        var o = new X86Outcome
        {
            Rip = _cpu.Rip,
            Rflags = _cpu.Rflags,
            Signal = stop switch
            {
                StopReason.InvalidOpcode => X86Outcome.SigIll,
                StopReason.Fault when _cpu.LastFault.Kind == FaultKind.DivideError => X86Outcome.SigFpe,
                StopReason.Fault => X86Outcome.SigSegv,
                _ => 0,
            },
        };
        for (int i = 0; i < 16; i++) o.Regs[i] = _cpu[(Reg)i];
        Array.Copy(_memory, 4096, o.Data, 0, X86Case.DataSize);
        return o;
    }
}

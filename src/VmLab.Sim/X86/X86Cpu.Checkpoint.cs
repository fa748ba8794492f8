using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

/// <summary>What an <see cref="X86Cpu{TBus}"/> carries from one Run to the next (the bus and the decoded-code
/// cache are not state: the cache is rebuilt from memory).</summary>
internal sealed record X86CpuState(RegisterFile Registers, long Instructions, long TimerInterval, long TimerRemaining,
    Privilege Privilege, MemoryFault LastFault, string InvalidMnemonic);

public sealed partial class X86Cpu<TBus>
{
    internal X86CpuState Save() => new(_regs, _instructions, _timerInterval, _timerRemaining, Privilege, LastFault, InvalidMnemonic);

    /// <summary>Puts the CPU back where <see cref="Save"/> found it, after memory has been put back: decoded code is
    /// forgotten (it may have been decoded from bytes that are no longer there).</summary>
    internal void Restore(X86CpuState s)
    {
        (_regs, _instructions, _timerInterval, _timerRemaining) = (s.Registers, s.Instructions, s.TimerInterval, s.TimerRemaining);
        (Privilege, LastFault, InvalidMnemonic) = (s.Privilege, s.LastFault, s.InvalidMnemonic);
        _code.Clear();
        ForgetCodePages();
    }
}

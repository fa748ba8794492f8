using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Labs.Grading;

/// <summary>A one-syscall program: optional set-up code, the call, then exit with its result as the status.</summary>
internal static class Probe
{
    public sealed record Outcome(long Result, Kernel Kernel, int Pid);

    public static Outcome Call(TestContext t, string what, int number, ulong rdi, ulong rsi = 0, Action<Assembler>? prep = null,
        ReadOnlySpan<byte> data = default, Action<Kernel>? setup = null)
    {
        var image = X86Program.Build(a =>
        {
            prep?.Invoke(a);
            a.Syscall(number, rdi, rsi);
            a.mov(AssemblerRegisters.rdi, rax);
            a.mov(rax, SyscallAbi.Exit);
            a.syscall();
        }, data.IsEmpty ? "probe"u8 : data);
        var k = t.Boot();
        setup?.Invoke(k);
        int pid = k.Spawn(image, "probe");
        TestContext.Run(k, what, strict: false, steps: 2_000_000);     // the caller checks the result first, then RequireClean
        var p = k.History.First(h => h.Pid == pid && h.Name == "probe");
        TestContext.Require(p.State == ProcessState.Exited,
            p.State == ProcessState.Killed ? $"{what}: the caller was killed: {p.KillReason}" : $"{what} never returned: the caller sleeps or spins forever");
        return new Outcome(p.ExitStatus ?? 0, k, pid);
    }
}

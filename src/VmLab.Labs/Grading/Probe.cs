using VmLab.Sim.Asm;
using VmLab.Sim.Kernel;
using VmLab.Sim.Programs;

namespace VmLab.Labs.Grading;

/// <summary>A one-syscall program: optional set-up code, the call, then exit with its result as the status.</summary>
internal static class Probe
{
    public sealed record Outcome(long Result, Kernel Kernel, int Pid);

    public static Outcome Call(TestContext t, string what, int number, string rdi, ulong rsi = 0, string prep = "", string data = "",
        Action<Kernel>? setup = null)
    {
        string src = SyscallAbi.Prelude + $"""
            .text
            _start:
            {prep}
                mov rax, {number}
                mov rdi, {rdi}
                mov rsi, {rsi}
                syscall
                mov rdi, rax
                mov rax, SYS_EXIT
                syscall
            .data
            pad: .ascii "probe"
            {data}
            """;
        var k = t.Boot();
        setup?.Invoke(k);
        int pid = k.Spawn(Assembler.Assemble(src), "probe");
        TestContext.Run(k, what, strict: false, steps: 2_000_000);     // the caller checks the result first, then RequireClean
        var p = k.History.First(h => h.Pid == pid && h.Name == "probe");
        TestContext.Require(p.State == ProcessState.Exited,
            p.State == ProcessState.Killed ? $"{what}: the caller was killed: {p.KillReason}" : $"{what} never returned: the caller sleeps or spins forever");
        return new Outcome(p.ExitStatus ?? 0, k, pid);
    }
}

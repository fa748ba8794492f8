using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Labs.Grading;

/// <summary>A one-syscall program: optional set-up code, the call, then exit with its result as the status.</summary>
internal static class Probe
{
    /// <summary>Where boundary tests put their pages: two pages at Split and Split + 0x1000, in the probe's user half.</summary>
    public const ulong Split = 0x120000;

    /// <summary>
    /// Maps Split and Split + 0x1000 onto two frames that are not neighbours: the frame right after the first one is
    /// the probe's own page at Split + 0x5000, filled with 'Z', so a copy that runs on in physical memory past the
    /// first page reads or writes those Zs. Null when the second page should stay unmapped.
    /// </summary>
    public static (ulong First, ulong Between, ulong? Second) SplitPages(Kernel k, Process p, bool second = true)
    {
        const ulong Perm = VmLab.Sim.Paging.Pte.PTE_P | VmLab.Sim.Paging.Pte.PTE_W | VmLab.Sim.Paging.Pte.PTE_U | VmLab.Sim.Paging.Pte.PTE_NX;
        TestContext.Require(k.MapFresh(p.PageTable, Split, Perm, []) && k.MapFresh(p.PageTable, Split + 0x5000, Perm, Enumerable.Repeat((byte)'Z', 4096).ToArray())
            && (!second || k.MapFresh(p.PageTable, Split + 0x1000, Perm, [])), "out of memory setting up the test's pages");
        var it = p.PageTable.Iter();
        ulong first = it.Find(Split).Pa, between = it.Find(Split + 0x5000).Pa;
        ulong? next = second ? it.Find(Split + 0x1000).Pa : null;
        TestContext.Require(next != first + 0x1000 && between == first + 0x1000, "the test's pages did not land on the frames it needs (the grader's own fault)");
        return (first, between, next);
    }

    public sealed record Outcome(long Result, Kernel Kernel, int Pid);

    public static Outcome Call(TestContext t, string what, int number, ulong rdi, ulong rsi = 0, Action<Assembler>? prep = null,
        ReadOnlySpan<byte> data = default, Action<Kernel>? setup = null, Action<Kernel, Process>? layout = null,
        Action<Kernel, Process>? atExit = null, IReadOnlyDictionary<string, ProgramImage>? programs = null)
    {
        var image = X86Program.Build(a =>
        {
            prep?.Invoke(a);
            a.Syscall(number, rdi, rsi);
            a.mov(AssemblerRegisters.rdi, rax);
            a.mov(rax, SyscallAbi.Exit);
            a.syscall();
        }, data.IsEmpty ? "probe"u8 : data);
        var k = t.Boot(atExit is null ? t.Seams : t.Seams with { Exit = new ExitHook(t.Seams.Exit, atExit) }, programs);
        setup?.Invoke(k);
        int pid = k.Spawn(image, "probe");
        layout?.Invoke(k, k.Find(pid)!);
        TestContext.Run(k, what, strict: false, steps: 2_000_000);     // the caller checks the result first, then RequireClean
        var p = k.History.First(h => h.Pid == pid && h.Name == "probe");
        TestContext.Require(p.State == ProcessState.Exited,
            p.State == ProcessState.Killed ? $"{what}: the caller was killed: {p.KillReason}" : $"{what} never returned: the caller sleeps or spins forever");
        return new Outcome(p.ExitStatus ?? 0, k, pid);
    }

    /// <summary>Lets a test look at a process's memory as it exits, before its frames are freed (and zeroed).</summary>
    private sealed class ExitHook(IExit inner, Action<Kernel, Process> atExit) : IExit
    {
        public void FreeProcess(Kernel k, Process p)
        {
            if (p.Name == "probe") atExit(k, p);
            inner.FreeProcess(k, p);
        }
    }
}

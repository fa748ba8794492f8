using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// The kernel resumes a process after a timer interrupt or a getpid without the CPU checking its caches again
/// (nothing can have changed); anything that can change memory in between (a hook on kernel entries, a caller
/// between two Run calls, a seam in a syscall) still makes the CPU see the new code at once, translated exactly as
/// interpreted.
/// </summary>
public class KernelTickTests
{
    private const int Iterations = 20000;

    /// <summary>add rax, 0x333 twenty thousand times, then #UD (the process dies; its registers stay).</summary>
    private static ProgramImage Program(out int immOffset)
    {
        var a = new Assembler(64);
        var loop = a.CreateLabel();
        a.mov(ecx, Iterations);
        a.Label(ref loop);
        a.add(rax, 0x333);
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
        var writer = new X86Machine.CodeWriterImpl();
        a.Assemble(writer, KernelLayout.ProcStartAddr);
        byte[] code = writer.ToArray();
        immOffset = code.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x33, 0x03, 0, 0]);
        return new ProgramImage([new Segment(SegmentKind.Text, KernelLayout.ProcStartAddr, code, (ulong)code.Length)],
            KernelLayout.ProcStartAddr, new Dictionary<string, ulong>());
    }

    /// <summary>The loop's immediate becomes 5 after patchAt instructions: from a hook at the kernel entry (a
    /// timer interrupt) or between two Run calls.</summary>
    private static (ulong Rax, long Instructions) Run(bool translation, int threshold, bool fromHook, long patchAt)
    {
        var image = Program(out int imm);
        var k = new Kernel();
        k.Cpu.Translation = translation;
        k.Cpu.TranslationThreshold = threshold;
        Assert.True(k.Spawn(image, "loop") > 0);
        void Patch(Kernel kk)
        {
            var it = kk.History[0].PageTable.Iter(KernelLayout.ProcStartAddr);
            kk.Memory.FrameSpan(it.Pa)[imm] = 5;
        }
        if (fromHook)
        {
            bool done = false;
            k.Entered += kk =>
            {
                if (done || kk.Cpu.InstructionCount < patchAt) return;
                Patch(kk);
                done = true;
            };
            k.Run(10_000_000);
        }
        else
        {
            k.Run(patchAt);
            Patch(k);
            k.Run(10_000_000);
        }
        return (k.History[0].Registers[Reg.Rax], k.Cpu.InstructionCount);
    }

    [Theory]
    [InlineData(true, 30_000)]
    [InlineData(false, 30_000)]
    [InlineData(false, 30_001)]
    public void Code_changed_at_a_timer_interrupt_runs_at_once_translated_as_interpreted(bool fromHook, long patchAt)
    {
        var interpreted = Run(translation: false, threshold: 0, fromHook, patchAt);
        Assert.NotEqual(0x333UL * Iterations, interpreted.Rax);
        Assert.Equal(interpreted, Run(translation: true, threshold: 1, fromHook, patchAt));
        Assert.Equal(interpreted, Run(translation: true, threshold: 64, fromHook, patchAt));
    }

    /// <summary>The loop runs twice around a syscall: page_alloc, whose seam rewrites the loop's immediate through
    /// FrameSpan (a view the memory cannot count writes through), or getpid, which changes nothing.</summary>
    private static (ulong Rax, long Instructions) AroundSyscall(bool translation, int threshold, int syscall)
    {
        ProgramImage? image = null;
        int imm = 0;
        var seams = KernelSeams.Reference with { PageAlloc = new Patching(() => imm) };
        var a = new Assembler(64);
        var first = a.CreateLabel();
        var second = a.CreateLabel();
        var loop = a.CreateLabel();
        var back = a.CreateLabel();
        a.xor(ebx, ebx);
        a.Label(ref first);
        a.mov(ecx, Iterations);
        a.Label(ref loop);
        a.add(rax, 0x333);
        a.dec(ecx);
        a.jnz(loop);
        a.test(ebx, ebx);
        a.jnz(second);
        a.mov(ebx, 1);
        a.mov(r12, rax);
        a.mov(eax, syscall);
        a.mov(edi, 0x110000);
        a.syscall();
        a.mov(rax, r12);
        a.jmp(first);
        a.Label(ref second);
        a.ud2();
        var writer = new X86Machine.CodeWriterImpl();
        a.Assemble(writer, KernelLayout.ProcStartAddr);
        byte[] code = writer.ToArray();
        imm = code.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x33, 0x03, 0, 0]);
        image = new ProgramImage([new Segment(SegmentKind.Text, KernelLayout.ProcStartAddr, code, (ulong)code.Length)],
            KernelLayout.ProcStartAddr, new Dictionary<string, ulong>());
        var k = new Kernel(new KernelOptions { Seams = seams });
        k.Cpu.Translation = translation;
        k.Cpu.TranslationThreshold = threshold;
        Assert.True(k.Spawn(image, "loop") > 0);
        k.Run(10_000_000);
        return (k.History[0].Registers[Reg.Rax], k.Cpu.InstructionCount);
    }

    private sealed class Patching(Func<int> imm) : IPageAlloc
    {
        public ulong PageAlloc(Kernel k, Process p, ulong va)
        {
            var it = p.PageTable.Iter(KernelLayout.ProcStartAddr);
            k.Memory.FrameSpan(it.Pa)[imm()] = 5;
            return 0;
        }
    }

    [Theory]
    [InlineData(Sim.Machine.SyscallAbi.PageAlloc, (0x333UL + 0x305) * Iterations)]     // its low byte becomes 5
    [InlineData(Sim.Machine.SyscallAbi.GetPid, 0x333UL * Iterations * 2)]
    public void Code_a_seam_changed_in_a_syscall_runs_at_once_translated_as_interpreted(int syscall, ulong rax)
    {
        var interpreted = AroundSyscall(translation: false, threshold: 0, syscall);
        Assert.Equal(rax, interpreted.Rax);
        Assert.Equal(interpreted, AroundSyscall(translation: true, threshold: 1, syscall));
        Assert.Equal(interpreted, AroundSyscall(translation: true, threshold: 64, syscall));
    }
}

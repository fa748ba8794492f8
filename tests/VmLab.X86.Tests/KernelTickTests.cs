using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// The kernel resumes a process after a timer interrupt without the CPU checking its caches again (nothing can
/// have changed); anything that can change memory in between (a hook on kernel entries, a caller between two
/// Run calls) still makes the CPU see the new code at once, translated exactly as interpreted.
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
}

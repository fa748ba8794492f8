using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A translated store into the code it runs ends the region right after the storing instruction, so that the
/// next instruction runs as memory now holds it. A mov, push or call checks for that on its store's slow path
/// only (a page the run executes from never has a host TLB write entry): each must still catch it.
/// </summary>
public class TranslatorCodeWriteTests
{
    // add ebx, imm8 followed by five nops: each round stores these eight bytes, with ecx as the imm8, over
    // 'add ebx, 100' and its five nops
    private const ulong AddImm8 = 0x9090_9090_9000_C383;

    private static void Run(Action<Assembler> program, ulong expectedRbx)
    {
        var t = new X86Machine(program, PagePerm.UserRw);
        t.Cpu.TranslationThreshold = 0;
        var i = new X86Machine(program, PagePerm.UserRw);
        i.Cpu.Translation = false;
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(StopReason.InvalidOpcode, si);
        Assert.Equal(si, st);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(expectedRbx, t[Reg.Rbx]);
    }

    /// <summary>50 rounds of: point rsp just past the patched instruction, store (store) rax over it with the
    /// round's count as its immediate, and run it: rbx ends as 50 + 49 + ... + 1.</summary>
    private static Action<Assembler> Patching(Action<Assembler, Label> store) => a =>
    {
        var loop = a.CreateLabel();
        var patched = a.CreateLabel();
        a.mov(ecx, 50);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        a.mov(rax, unchecked((long)AddImm8));
        a.movzx(edx, cl);
        a.shl(edx, 16);
        a.or(rax, rdx);
        a.lea(rsp, __[patched]);
        a.add(rsp, 8);
        store(a, patched);
        a.Label(ref patched);
        a.add(ebx, 100);   // 83 C3 64
        for (int k = 0; k < 5; k++) a.nop();
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
    };

    [Fact]
    public void A_push_into_the_next_instruction_runs_the_pushed_bytes() =>
        Run(Patching((a, _) => a.push(rax)), 50 * 51 / 2);

    [Fact]
    public void A_mov_into_the_next_instruction_runs_the_stored_bytes() =>
        Run(Patching((a, patched) =>
        {
            a.lea(rdi, __[patched]);
            a.mov(__qword_ptr[rdi], rax);
        }), 50 * 51 / 2);
}

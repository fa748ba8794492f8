using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A translated store into the code it runs ends the region right after the storing instruction, so that the
/// next instruction runs as memory now holds it. A mov, push or call checks for that on its store's slow path
/// only (a page the run executes from never has a host TLB write entry), or leaves the region at the store's miss
/// for the interpreter to make it; a string move's definition checks its own stores: each must still catch it.
/// </summary>
public class TranslatorCodeWriteTests
{
    // add ebx, imm8 followed by five nops: each round stores these eight bytes, with ecx as the imm8, over
    // 'add ebx, 100' and its five nops
    private const ulong AddImm8 = 0x9090_9090_9000_C383;

    private static void Run(Action<Assembler> program, ulong expectedRbx)
    {
        // with the slow path from the start, and as shipped (a store into code leaves the region at its miss)
        Run(program, expectedRbx, 0);
        Run(program, expectedRbx, TranslatorPair.Default);
    }

    private static void Run(Action<Assembler> program, ulong expectedRbx, long missLimit)
    {
        var t = new X86Machine(program, PagePerm.UserRw);
        t.Cpu.TranslationThreshold = 0;
        if (missLimit != TranslatorPair.Default) t.Cpu.TranslationMissLimit = missLimit;
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

    /// <summary>A string store's bytes are its definition's (a call from the region), which notices a store into
    /// code itself. 50 rounds of stosq to the data page, but in round 10 over 'add ebx, 100' with 10 as its
    /// immediate: by then the loop runs compiled, the add inside the region (5000 if it kept running it).</summary>
    private static readonly Action<Assembler> StosIntoTheLoop = Patching((a, patched) =>
    {
        a.lea(r8, __[patched]);
        a.mov(rdi, X86Machine.DataVa);
        a.cmp(ecx, 10);
        a.cmove(rdi, r8);
        a.stosq();
    });

    [Fact]
    public void A_stosq_into_the_running_loop_runs_the_stored_bytes() => Run(StosIntoTheLoop, 40 * 100 + 10 * 10);

    [Fact]
    public void A_mov_into_the_next_instruction_runs_the_stored_bytes() =>
        Run(Patching((a, patched) =>
        {
            a.lea(rdi, __[patched]);
            a.mov(__qword_ptr[rdi], rax);
        }), 50 * 51 / 2);
}

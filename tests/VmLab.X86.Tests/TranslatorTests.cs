using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// The block translator is the same machine as the interpreter: each program runs on two machines, one
/// translating every block the first time it runs and one interpreting, and every stop (timer, fault, syscall,
/// the closing ud2) must find them in the same state: registers, flags, rip, instructions retired, memory.
/// </summary>
public class TranslatorTests
{
    private static (X86Machine Translated, X86Machine Interpreted) Pair(Action<Assembler> program, PagePerm code = PagePerm.UserRo) =>
        TranslatorPair.Of(program, code);

    private static void Same(X86Machine t, X86Machine i, StopReason expected)
    {
        StopReason st = t.Run(), si = i.Run();
        Assert.Equal(expected, si);
        Assert.Equal(si, st);
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Cpu.LastFault, t.Cpu.LastFault);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 4096), t.Memory.Peek(X86Machine.DataVa, 4096));
    }

    /// <summary>A hash over an array: loads, stores, imul, rotates, a counted loop, a call and a ret.</summary>
    private static void Hash(Assembler a)
    {
        var loop = a.CreateLabel();
        var mix = a.CreateLabel();
        var done = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(ecx, 5000);
        a.xor(edx, edx);
        a.mov(ebx, 0x12345);
        a.Label(ref loop);
        a.mov(eax, __dword_ptr[rdi + rdx * 4]);
        a.call(mix);
        a.mov(__dword_ptr[rdi + rdx * 4], eax);
        a.add(rdx, 1);
        a.and(edx, 255);
        a.dec(rcx);
        a.jnz(loop);
        a.jmp(done);
        a.Label(ref mix);
        a.imul(eax, eax, unchecked((int)0x9E3779B1));
        a.xor(ebx, eax);
        a.rol(ebx, 5);
        a.adc(eax, ebx);
        a.ret();
        a.Label(ref done);
        a.nop();
    }

    [Fact]
    public void A_hot_loop_runs_translated_and_ends_exactly_as_interpreted()
    {
        var (t, i) = Pair(Hash);
        Same(t, i, StopReason.InvalidOpcode);
        Assert.True(t.Cpu.TranslationStats.Regions > 0, "nothing was translated");
        Assert.True(t.Cpu.TranslationStats.Entries > 0);
        Assert.Equal(0, i.Cpu.TranslationStats.Regions);
    }

    [Fact]
    public void The_timer_interrupts_a_translated_loop_after_exactly_the_interval()
    {
        var (t, i) = Pair(Hash);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 7;
        for (int k = 0; k < 300; k++) Same(t, i, StopReason.Timer);
        Assert.Equal(2100, t.Cpu.InstructionCount);
        Assert.True(t.Cpu.TranslationStats.Entries > 0);
    }

    [Fact]
    public void A_fault_in_the_middle_of_a_translated_block_leaves_the_state_of_the_faulting_instruction()
    {
        // the loop walks rdi up through the data page into the unmapped page after it, storing as it goes
        static void Walk(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(edi, (uint)X86Machine.DataVa);
            a.xor(eax, eax);
            a.Label(ref loop);
            a.add(rax, rdi);
            a.mov(__qword_ptr[rdi], rax);
            a.add(rdi, 24);
            a.xor(rax, 0x55);
            a.jmp(loop);
        }
        var (t, i) = Pair(Walk);
        Same(t, i, StopReason.Fault);
        Assert.Equal(FaultKind.PageFault, t.Cpu.LastFault.Kind);
        Assert.Equal(X86Machine.DataVa + 4104, t.Cpu.LastFault.Address);   // 171 stores, the 172nd faults
        // fixed up (the page mapped), both go on and fault again at the same place
        t.MapFresh(X86Machine.DataVa + 4096, PagePerm.UserRw);
        i.MapFresh(X86Machine.DataVa + 4096, PagePerm.UserRw);
        Same(t, i, StopReason.Fault);
    }

    [Fact]
    public void A_fault_after_flags_that_a_later_instruction_would_replace_leaves_the_last_writers_flags()
    {
        // the first add's flags are replaced by the imul's, and the second rotate's by the sub's, before anything
        // can see them, so the translator does not record them; the imul's and the first rotate's must be, since
        // the load after them faults when rdi leaves the page
        static void Walk(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(edi, (uint)X86Machine.DataVa);
            a.mov(eax, 0x7654321);
            a.Label(ref loop);
            a.add(rax, rdi);
            a.imul(rbx, rax, unchecked((int)0x9E3779B1));
            a.rol(rbx, 13);
            a.mov(rcx, __qword_ptr[rdi]);
            a.add(rdi, 40);
            a.rol(rcx, 3);
            a.sub(rcx, rbx);
            a.cmp(rcx, rax);
            a.jmp(loop);
        }
        var (t, i) = Pair(Walk);
        Same(t, i, StopReason.Fault);
        Assert.Equal(X86Machine.DataVa + 4120, t.Cpu.LastFault.Address);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 5;   // and stopped by the timer anywhere in the loop
        t.MapFresh(X86Machine.DataVa + 4096, PagePerm.UserRw);
        i.MapFresh(X86Machine.DataVa + 4096, PagePerm.UserRw);
        for (int k = 0; k < 40; k++) Same(t, i, StopReason.Timer);
    }

    [Fact]
    public void A_long_block_stopped_by_the_timer_or_a_fault_anywhere_leaves_the_interpreters_state()
    {
        // one straight block of 29 instructions (longer than the translator's pieces once were): flags written,
        // read by adc and setcc, and replaced unseen after loads, the last of which faults when rdi leaves the page
        static void Long(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(edi, (uint)X86Machine.DataVa);
            a.mov(eax, 0x1234567);
            a.Label(ref loop);
            for (int k = 0; k < 3; k++)
            {
                a.add(rax, rdi);
                a.mov(rsi, __qword_ptr[rdi + k * 8]);   // a fault here must leave the add's flags
                a.cmp(rax, rbx);
                a.adc(rbx, rsi);
                a.sub(rcx, rax);
                a.test(ecx, 0x30);
                a.setne(dl);
                a.xor(rax, rdx);
                a.imul(rbx, rbx, 7);
            }
            a.add(rdi, 56);
            a.jmp(loop);
        }
        var (t, i) = Pair(Long);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 11;
        for (int k = 0; k < 120; k++) Same(t, i, StopReason.Timer);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 0;
        Same(t, i, StopReason.Fault);
        Assert.Equal(X86Machine.DataVa + 4096, t.Cpu.LastFault.Address & ~7UL);
    }

    [Fact]
    public void Registers_a_region_never_names_keep_what_its_instructions_definitions_leave_in_them()
    {
        // the loop names only r8 and rax: movsb moves rsi and rdi through its definition, which the region's
        // exits (timer, the end) must not overwrite
        static void Copy(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(esi, (uint)X86Machine.DataVa);
            a.mov(edi, (uint)X86Machine.DataVa + 2048);
            a.mov(r8d, 300);
            a.Label(ref loop);
            a.movsb();
            a.add(rax, r8);
            a.dec(r8);
            a.jnz(loop);
        }
        var (t, i) = Pair(Copy);
        t.Memory.Poke(X86Machine.DataVa, Enumerable.Range(0, 300).Select(k => (byte)(k * 13)).ToArray());
        i.Memory.Poke(X86Machine.DataVa, Enumerable.Range(0, 300).Select(k => (byte)(k * 13)).ToArray());
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 7;
        for (int k = 0; k < 100; k++) Same(t, i, StopReason.Timer);
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 0;
        Same(t, i, StopReason.InvalidOpcode);
        Assert.Equal(X86Machine.DataVa + 300, t[Reg.Rsi]);
        Assert.Equal(X86Machine.DataVa + 2048 + 300, t[Reg.Rdi]);
    }

    [Fact]
    public void A_translated_loop_that_rewrites_its_own_code_runs_the_new_code_at_the_next_instruction()
    {
        // each round stores a new immediate into 'add ebx, imm32' inside the loop, then runs it
        static void Patch(Assembler a)
        {
            var loop = a.CreateLabel();
            var patched = a.CreateLabel();
            a.mov(ecx, 50);
            a.xor(ebx, ebx);
            a.Label(ref loop);
            a.lea(rdi, __[patched]);
            a.mov(__dword_ptr[rdi + 2], ecx);   // add ebx, imm32 is 81 C3 imm32
            a.Label(ref patched);
            a.add(ebx, 0x7777);
            a.dec(ecx);
            a.jnz(loop);
        }
        var (t, i) = Pair(Patch, PagePerm.UserRw);
        Same(t, i, StopReason.InvalidOpcode);
        Assert.Equal((ulong)(50 * 51 / 2), t[Reg.Rbx]);
    }

    [Fact]
    public void Code_changed_or_remapped_between_runs_is_translated_afresh()
    {
        static void Count(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(ecx, 1000);
            a.Label(ref loop);
            a.add(eax, 0x333);
            a.dec(ecx);
            a.jnz(loop);
        }
        var (t, i) = Pair(Count);
        int imm = t.Memory.Peek(X86Machine.CodeVa, t.CodeLength).AsSpan().IndexOf((ReadOnlySpan<byte>)[0x33, 0x03, 0, 0]);
        Same(t, i, StopReason.InvalidOpcode);
        Assert.Equal(0x333UL * 1000, t[Reg.Rax]);
        // the kernel loads other code into the frame: add eax, 0x333 becomes add eax, 5
        foreach (var m in new[] { t, i })
        {
            m.Memory.Poke(X86Machine.CodeVa + (ulong)imm, [5, 0]);
            m.Cpu.Rip = X86Machine.CodeVa;
            m[Reg.Rax] = 0;
        }
        Same(t, i, StopReason.InvalidOpcode);
        Assert.Equal(5000UL, t[Reg.Rax]);
        // the code page is mapped to another frame holding a copy with add eax, 7
        foreach (var m in new[] { t, i })
        {
            byte[] code = m.Memory.Peek(X86Machine.CodeVa, m.CodeLength);
            code[imm] = 7;
            m.MapFresh(X86Machine.CodeVa, PagePerm.UserRo);
            m.Memory.Poke(X86Machine.CodeVa, code);
            m.Cpu.Rip = X86Machine.CodeVa;
            m[Reg.Rax] = 0;
        }
        Same(t, i, StopReason.InvalidOpcode);
        Assert.Equal(7000UL, t[Reg.Rax]);
    }

    [Fact]
    public void Division_errors_and_syscalls_stop_a_translated_block_as_they_stop_the_interpreter()
    {
        static void Program(Assembler a)
        {
            var loop = a.CreateLabel();
            a.mov(esi, 300);
            a.Label(ref loop);
            a.mov(eax, 1000);
            a.xor(edx, edx);
            a.div(esi);          // #DE when esi reaches 0
            a.syscall();         // (which sets rcx and r11)
            a.dec(esi);
            a.jmp(loop);
        }
        var (t, i) = Pair(Program);
        for (int k = 0; k < 300; k++) Same(t, i, StopReason.Syscall);
        Same(t, i, StopReason.Fault);
        Assert.Equal(FaultCause.DivideByZero, t.Cpu.LastFault.Cause);
    }
}

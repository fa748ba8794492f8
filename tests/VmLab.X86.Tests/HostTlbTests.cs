using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// The host TLB's fast path (the interpreter's and the translated code's): an access it serves must be the
/// access the MMU would make. Unaligned accesses inside a page take it; one that runs on into the next page must
/// not, since the next virtual page is some other frame (here never the adjacent one in host memory).
/// </summary>
public class HostTlbTests
{
    // 8-byte loads and 4-byte stores at offsets that step by 3 from near the end of the data page: unaligned,
    // some inside the page, some across into the next page, until they reach the unmapped page after that
    private static void Walk(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(edi, (uint)X86Machine.DataVa);
        a.mov(ecx, 4000);
        a.xor(eax, eax);
        a.Label(ref loop);
        a.mov(rdx, __qword_ptr[rdi + rcx]);
        a.add(rax, rdx);
        a.rol(rax, 7);
        a.mov(__dword_ptr[rdi + rcx + 5], eax);
        a.add(ecx, 3);
        a.jmp(loop);
    }

    private static X86Machine Machine(bool translated)
    {
        var m = new X86Machine(Walk);
        m.MapFresh(X86Machine.DataVa + 4096, PagePerm.UserRw);   // after the stack's frame: not adjacent to the data page's
        var bytes = new byte[8192];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + (i >> 8));
        m.Memory.Poke(X86Machine.DataVa, bytes);
        m.Memory.Poke(X86Machine.StackTop - 4096, new byte[4096].Select((_, i) => (byte)(0xA5 ^ i)).ToArray());
        if (translated) m.Cpu.TranslationThreshold = 0;
        else m.Cpu.Translation = false;
        return m;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Unaligned_and_page_crossing_accesses_read_and_write_the_mapped_frames(bool translated)
    {
        X86Machine m = Machine(translated), oracle = Machine(translated: false);
        // the oracle takes no shortcut: every access through the MMU, one instruction at a time
        StopReason stop = m.Run(), expected = StepAll(oracle);
        Assert.Equal(StopReason.Fault, expected);
        Assert.Equal(expected, stop);
        Assert.Equal(X86Machine.DataVa + 8192, m.Cpu.LastFault.Address);   // the load that runs into the unmapped page
        Assert.Equal(oracle.Cpu.LastFault, m.Cpu.LastFault);
        Assert.True(oracle.Cpu.Registers.SameAs(m.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(oracle.Cpu.InstructionCount, m.Cpu.InstructionCount);
        Assert.Equal(oracle.Memory.Peek(X86Machine.DataVa, 8192), m.Memory.Peek(X86Machine.DataVa, 8192));
        if (translated) Assert.True(m.Cpu.TranslationStats.Entries > 0, "the loop never ran translated");
    }

    /// <summary>Runs one instruction at a time, emptying the host TLB before each (a Run of one instruction
    /// starts afresh), so every access goes through the bus.</summary>
    private static StopReason StepAll(X86Machine m)
    {
        for (int i = 0; i < 100_000; i++)
        {
            StopReason s = m.Run(1);
            if (s != StopReason.Budget) return s;
        }
        return StopReason.Budget;
    }
}

using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A load or store that starts in the lower canonical half and runs past its end (8 bytes at 0x7fff_ffff_fffc)
/// is #GP(0) as a whole, as on the host CPU: the architecture checks the access before any page of it is walked,
/// so its first, unmapped page does not turn it into a page fault. Interpreted and compiled alike, cold or hot.
/// </summary>
public class NonCanonicalAccessTests
{
    private const ulong Edge = 0x7fff_ffff_fffc;

    public static TheoryData<string> Accesses => ["load", "store", "load-word"];

    private static void Program(Assembler a, string access, int rounds)
    {
        // rounds of the access at a mapped address, then one at the edge of the canonical half
        var loop = a.CreateLabel();
        var edge = a.CreateLabel();
        var go = a.CreateLabel();
        a.mov(r15d, rounds);
        a.Label(ref loop);
        a.mov(rbx, (long)X86Machine.DataVa + 4);
        a.dec(r15d);
        a.jnz(go);
        a.Label(ref edge);
        a.mov(rbx, unchecked((long)Edge));
        a.Label(ref go);
        switch (access)
        {
            case "load": a.mov(rax, __qword_ptr[rbx]); break;
            case "store": a.mov(__qword_ptr[rbx], rax); break;
            case "load-word": a.mov(eax, __dword_ptr[rbx + 2]); break;
        }
        a.jmp(loop);
    }

    [Theory]
    [MemberData(nameof(Accesses))]
    public void An_access_running_past_the_canonical_half_is_a_general_protection_fault(string access)
    {
        foreach (int rounds in new[] { 1, 500 })   // cold (interpreted) and hot (compiled)
        {
            var (t, i) = TranslatorPair.Of(a => Program(a, access, rounds));
            StopReason st = t.Run(), si = i.Run();
            foreach (var (m, stop) in new[] { (t, st), (i, si) })
            {
                Assert.Equal(StopReason.Fault, stop);
                Assert.Equal(FaultKind.GeneralProtection, m.Cpu.LastFault.Kind);
            }
            Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
            Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        }
    }
}

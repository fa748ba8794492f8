using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A jmp, call or ret to a non-canonical address is #GP(0) on the branch itself, as on the host CPU: rip stays on
/// the branch, call pushes nothing, ret pops nothing, the branch does not retire. A stack smashed with
/// "AAAAAAAA" faults at the ret that would have used it, interpreted and compiled alike, hot or cold.
/// </summary>
public class NonCanonicalBranchTests
{
    private const ulong Bad = 0x4141414141414141;

    public static TheoryData<string> Branches => ["jmp", "call", "ret", "call-memory"];

    private static void Program(Assembler a, string branch, int rounds)
    {
        // rounds of an indirect branch to a good target, then one to the bad one
        var loop = a.CreateLabel();
        var target = a.CreateLabel();
        var back = a.CreateLabel();
        var fault = a.CreateLabel();
        a.mov(r15d, rounds);
        a.Label(ref loop);
        a.lea(rbx, __[target]);
        a.dec(r15d);
        a.jz(fault);
        a.jmp(back);
        a.Label(ref fault);
        a.mov(rbx, unchecked((long)Bad));
        a.Label(ref back);
        a.mov(r14, rsp);
        switch (branch)
        {
            case "jmp": a.jmp(rbx); break;
            case "call": a.call(rbx); break;
            case "call-memory":
                a.mov(__qword_ptr[X86Machine.DataVa], rbx);
                a.call(__qword_ptr[X86Machine.DataVa]);
                break;
            case "ret":
                a.push(rbx);
                a.ret();
                break;
        }
        a.Label(ref target);
        if (branch is "call" or "call-memory") a.add(rsp, 8);
        a.jmp(loop);
    }

    [Theory]
    [MemberData(nameof(Branches))]
    public void The_branch_faults_where_it_stands_and_changes_nothing(string branch)
    {
        foreach (int rounds in new[] { 1, 500 })   // cold (interpreted) and hot (compiled)
        {
            var (t, i) = TranslatorPair.Of(a => Program(a, branch, rounds));
            StopReason st = t.Run(), si = i.Run();
            foreach (var (m, stop) in new[] { (t, st), (i, si) })
            {
                Assert.Equal(StopReason.Fault, stop);
                Assert.Equal(FaultKind.GeneralProtection, m.Cpu.LastFault.Kind);
                Assert.Equal(Bad, m.Cpu.LastFault.Address);
                Assert.NotEqual(Bad, m.Cpu.Registers.Rip);          // on the branch, not at its target
                // ret popped nothing (the pushed target is still on top); call pushed nothing
                Assert.Equal(branch == "ret" ? m.Cpu.Registers.Gpr[14] - 8 : m.Cpu.Registers.Gpr[14], m.Cpu.Registers.Gpr[4]);
            }
            Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
            Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        }
    }
}

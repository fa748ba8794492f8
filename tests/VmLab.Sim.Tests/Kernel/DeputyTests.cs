using VmLab.Sim.Machine;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Elf;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;
using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>The confused deputy marked where it happens: the syscall in which the kernel, acting for its caller, touched
/// or was handed another process's page (through any argument), and the checker's findings pointing at it.</summary>
public class DeputyTests
{
    [Fact]
    public void Vulnerable_friends_marks_eves_page_alloc_and_every_finding_points_at_it()
    {
        var k = Scenario.Friends.Start(Scenario.Friends.Args(("vulnerable", true)) with { Events = true });
        k.Run(2_000_000);
        var deputy = Assert.Single(k.Events, e => e.Deputy is not null);
        Assert.Equal("page_alloc", deputy.Syscall);
        Assert.Contains("confused deputy", deputy.Deputy);
        Assert.Contains("(alice)'s page table (its PML4)", deputy.Deputy);
        var findings = ScenarioResult.Findings(k);
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal(deputy.Step, f.Cause!.Step));
        Assert.All(findings, f => Assert.Equal(deputy.Deputy, f.Cause!.Deputy));
    }

    [Fact]
    public void The_fixed_kernel_marks_the_handed_page_as_refused_and_no_other_scenario_has_a_deputy()
    {
        var k = Scenario.Friends.Start(Scenario.Friends.Args() with { Events = true });
        k.Run(2_000_000);
        var deputy = Assert.Single(k.Events, e => e.Deputy is not null);
        Assert.StartsWith("argument 1 (0x", deputy.Deputy);
        Assert.Contains("refused (-1)", deputy.Deputy);
        foreach (var s in Scenario.All.Where(s => s != Scenario.Friends))
        {
            var other = s.Start(s.Args() with { Events = true });
            other.Run(300_000);
            Assert.DoesNotContain(other.Events, e => e.Deputy is not null);
        }
    }

    /// <summary>A pipe whose write takes its second argument for the kernel's buffer: the deputy's pointer is rsi.</summary>
    private sealed class LenIsAnAddressPipe : IPipeKernel
    {
        public ulong Write(VmLab.Sim.Kernel.Kernel k, Process p, ulong buf, ulong len)
        {
            k.Memory.ZeroFrame(len & ~(KernelLayout.PageSize - 1));
            return 0;
        }

        public ulong Read(VmLab.Sim.Kernel.Kernel k, Process p, ulong buf, ulong len) => VmLab.Sim.Kernel.Kernel.Fail;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_pointer_in_the_second_argument_is_caught_whether_the_kernel_obeys_or_not(bool vulnerable)
    {
        var seams = vulnerable ? KernelSeams.Reference with { PipeKernel = new LenIsAnAddressPipe() } : KernelSeams.Reference;
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1, Seams = seams }) { RecordEvents = true };
        int victim = k.Spawn(Spinner(), "victim");
        ulong root = k.Find(victim)!.PageTable.Root;
        var attacker = X86Program.Build(a =>
        {
            a.Syscall(SyscallAbi.PipeWrite, 0x101000, root);
            a.Syscall(SyscallAbi.Exit, 0);
        }, "x"u8);
        k.Spawn(attacker, "mallory");
        k.Run(5_000);
        var deputy = Assert.Single(k.Events, e => e.Deputy is not null);
        Assert.Equal("pipewrite", deputy.Syscall);
        Assert.Contains("(victim)'s page table (its PML4)", deputy.Deputy);
        if (vulnerable)
        {
            Assert.Contains("the kernel wrote", deputy.Deputy);
            Assert.NotEmpty(k.CheckerErrors);
            Assert.All(ScenarioResult.Findings(k), f => Assert.Equal(deputy.Step, f.Cause!.Step));
        }
        else Assert.StartsWith($"argument 2 (0x{root:x}) names pid {victim} (victim)'s page table", deputy.Deputy);
    }

    private static VmLab.Sim.Elf.ProgramImage Spinner() => X86Program.Build(a =>
    {
        var spin = a.CreateLabel();
        a.Label(ref spin);
        a.Syscall(SyscallAbi.Yield);
        a.jmp(spin);
    }, "s"u8);
}

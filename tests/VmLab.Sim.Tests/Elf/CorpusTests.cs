using VmLab.Sim.Elf;

namespace VmLab.Sim.Tests.Elf;

/// <summary>One C source, two machines: the corpus built for Linux and for VmLab (see DifferentialCorpus).</summary>
public class CorpusTests
{
    public static TheoryData<string> Programs => new(DifferentialCorpus.Names);

    [Fact]
    public void The_corpus_covers_what_the_differential_test_needs()
    {
        Assert.Superset(new HashSet<string> { "arith", "divide", "shifts", "strings", "recursion", "funcptr", "switch", "sort", "hash", "interp" },
            DifferentialCorpus.Names.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void The_host_build_prints_exactly_the_expected_output(string name)
    {
        Assert.Equal(DifferentialCorpus.Expected(name), DifferentialCorpus.RunHost(name));
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void The_VmLab_build_on_VmLabs_x86_CPU_prints_exactly_what_the_host_CPU_prints(string name)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(DifferentialCorpus.ElfPath(name)));
        Assert.Equal(DifferentialCorpus.RunHost(name), X86ElfRunner.Run(image));
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void The_VmLab_build_runs_on_the_kernel_and_matches_the_host(string name)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(DifferentialCorpus.ElfPath(name)));
        Assert.Equal(image.Symbols["_start"], image.Entry);
        Assert.True(new VmLab.Sim.Kernel.Kernel().Spawn(image, name) > 0, $"process_setup refused {name}");
        Assert.Equal(DifferentialCorpus.Expected(name), DifferentialCorpus.RunOnVmLab(name));
    }
}

using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>Helpers: assemble a snippet into a flat or paged machine and run it.</summary>
internal static class TestMachine
{
    public const ulong Base = Assembler.DefaultBase;

    /// <summary>A flat machine of 2 MiB at address 0 with the snippet's image loaded and rsp at the top.</summary>
    public static (Cpu<FlatBus> Cpu, ProgramImage Image) Flat(string source)
    {
        var image = Assembler.Assemble(source, "test.s");
        var memory = new byte[2 << 20];
        foreach (var s in image.Segments) s.Bytes.CopyTo(memory, (int)s.Address);
        var cpu = new Cpu<FlatBus>(new FlatBus(memory)) { Rip = image.Entry };
        cpu[Reg.Rsp] = (ulong)memory.Length;
        return (cpu, image);
    }

    /// <summary>Runs until something other than Budget happens (at most a million instructions).</summary>
    public static StopReason RunToStop<TBus>(Cpu<TBus> cpu) where TBus : IMemoryBus => cpu.Run(1_000_000);

    /// <summary>Runs a snippet that ends in hlt and returns the CPU.</summary>
    public static Cpu<FlatBus> Exec(string body)
    {
        var (cpu, _) = Flat(".text\n" + body + "\nhlt\n");
        Assert.Equal(StopReason.Halt, RunToStop(cpu));
        return cpu;
    }
}

using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.X86;

namespace VmLab.Cli.Commands.Sim;

/// <summary>User ELF programs on the teaching kernel: reading them (bounded, one-line errors), running them as
/// and running them as processes (StepTrace traces one instruction at a time).</summary>
internal static class ElfInput
{
    /// <summary>The program in an ELF file, or a one-line usage error naming the file and what is wrong.</summary>
    public static ProgramImage Load(string path) => Load(path, InputFile.Read(path, ElfLoader.MaxFileSize));

    public static ProgramImage Load(string path, byte[] bytes) =>
        ElfLoader.TryLoad(bytes, out var image) is { } problem
            ? throw new UsageException($"{Numbers.Clip(path)}: {problem}")
            : image!;

    /// <summary>A fresh kernel with each program spawned in order (pid 1, 2, ...), its runs limited to <paramref name="wallTime"/>.
    /// (An array: sim cpu's one program as a collection expression of an interface type was a list type of the
    /// compiler's making, five methods JIT-compiled at every start.)</summary>
    public static Kernel Boot((string Name, ProgramImage Image)[] programs, bool trace, TimeSpan wallTime)
    {
        var k = new Kernel(new KernelOptions { CheckEvery = 1, WallTime = wallTime, StopWhenIdle = true }) { TraceEnabled = trace };
        // a student's program runs once, start to end: it need not wait for the JIT to compile its hot loops
        k.Cpu.TranslateInBackground = true;
        foreach (var (name, image) in programs)
            if (k.Spawn(image, name) < 0)
                throw new RefusedException($"the kernel could not start {name} (no free process slot or out of memory)");
        return k;
    }
}

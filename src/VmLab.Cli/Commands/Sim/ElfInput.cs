using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.X86;

namespace VmLab.Cli.Commands.Sim;

/// <summary>User ELF programs on the teaching kernel: reading them (bounded, one-line errors), running them as
/// processes, and tracing one instruction at a time.</summary>
internal static class ElfInput
{
    /// <summary>The program in an ELF file, or a one-line usage error naming the file and what is wrong.</summary>
    public static ProgramImage Load(string path) => Load(path, InputFile.Read(path, ElfLoader.MaxFileSize));

    public static ProgramImage Load(string path, byte[] bytes) =>
        ElfLoader.TryLoad(bytes, out var image) is { } problem
            ? throw new UsageException($"{Numbers.Clip(path)}: {problem}")
            : image!;

    /// <summary>A fresh kernel with each program spawned in order (pid 1, 2, ...), its runs limited to <paramref name="wallTime"/>.</summary>
    public static Kernel Boot(IReadOnlyList<(string Name, ProgramImage Image)> programs, bool trace, TimeSpan wallTime)
    {
        var k = new Kernel(new KernelOptions { CheckEvery = 1, WallTime = wallTime }) { TraceEnabled = trace };
        // a student's program runs once, start to end: it need not wait for the JIT to compile its hot loops
        k.Cpu.TranslateInBackground = true;
        foreach (var (name, image) in programs)
            if (k.Spawn(image, name) < 0)
                throw new RefusedException($"the kernel could not start {name} (no free process slot or out of memory)");
        return k;
    }

    /// <summary>Runs one instruction at a time, disassembling each from the program's own text first.</summary>
    public static List<X86Line> Traced(Kernel k, int pid, ProgramImage image, long steps, int maxLines)
    {
        var lines = new List<X86Line>();
        while (lines.Count < maxLines && k.Instructions < steps && k.Panic is null && !k.OutOfTime && k.Find(pid) is { } p)
        {
            ulong rip = p.Registers.Rip;
            if (image.Segments.FirstOrDefault(s => s.Executable && rip >= s.Address && rip < s.Address + (ulong)s.Bytes.Length) is { } seg)
                lines.Add(X86Disassembler.One(seg.Bytes.AsSpan((int)(rip - seg.Address)), rip, X86Syntax.Gnu, image.SymbolFor));
            if (k.Run(1) == 0) break;
        }
        return lines;
    }
}

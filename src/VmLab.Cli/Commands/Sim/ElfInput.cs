using VmLab.Sim.Asm;
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

    /// <summary>True when the file starts with the ELF magic (the file is read bounded, a directory is an error).</summary>
    public static bool IsElfFile(string path, out byte[] bytes)
    {
        bytes = InputFile.Read(path, ElfLoader.MaxFileSize);
        return ElfLoader.IsElf(bytes);
    }

    /// <summary>A fresh kernel with each program spawned in order (pid 1, 2, ...).</summary>
    public static Kernel Boot(IReadOnlyList<(string Name, ProgramImage Image)> programs, bool trace)
    {
        var k = new Kernel(new KernelOptions { CheckEvery = 1 }) { TraceEnabled = trace };
        foreach (var (name, image) in programs)
            if (k.Spawn(image, name) < 0)
                throw new RefusedException($"the kernel could not start {name} (no free process slot or out of memory)");
        return k;
    }

    /// <summary>Runs one instruction at a time, disassembling each from the program's own text first.</summary>
    public static List<X86Line> Traced(Kernel k, int pid, ProgramImage image, long steps, int maxLines)
    {
        var lines = new List<X86Line>();
        string? Symbol(ulong a) => image.Symbols.FirstOrDefault(s => s.Value == a).Key;
        while (lines.Count < maxLines && k.Instructions < steps && k.Panic is null && k.Find(pid) is { } p)
        {
            ulong rip = p.Registers.Rip;
            if (image.Segments.FirstOrDefault(s => s.Executable && rip >= s.Address && rip < s.Address + (ulong)s.Bytes.Length) is { } seg)
                lines.Add(X86Disassembler.One(seg.Bytes.AsSpan((int)(rip - seg.Address)), rip, X86Syntax.Gnu, Symbol));
            if (k.Run(1) == 0) break;
        }
        return lines;
    }

    /// <summary>The `sim run` JSON for a kernel run of user programs (the scenario keys, scenario "program").</summary>
    public static (object Json, bool Passed, string Verdict) Result(Kernel k, bool trace)
    {
        var report = k.Panic is null ? k.Check() : new CheckReport([], []);
        var procs = k.History.Select(p => new ProcessSummary(p.Pid, p.Name, p.State.ToString().ToLowerInvariant(), p.Parent,
            p.ExitStatus, p.KillReason, p.Instructions, p.Syscalls, $"0x{p.PageTable.Root:x}")).ToList();
        int running = k.Processes.Count;
        bool clean = k.Panic is null && k.CheckerErrors.Count == 0 && report.LeakedFrames.Count == 0
                     && (running > 0 || k.Frames.FreeFrames == k.FreeFramesAtBoot);
        var killed = procs.Where(p => p.KillReason is not null).ToList();
        bool passed = clean && running == 0 && killed.Count == 0;
        string verdict = k.Panic is { } panic ? $"the kernel panicked: {panic}"
            : running > 0 ? $"{running} process(es) still running after {k.Instructions} instructions (raise --steps)"
            : killed.Count > 0 ? $"pid {killed[0].Pid} ({killed[0].Name}) was killed: {killed[0].KillReason}"
            : !clean ? $"the programs exited, but memory is not clean ({report.LeakedFrames.Count} leaked frame(s), {k.CheckerErrors.Count} checker problem(s))"
            : $"every program exited ({string.Join(", ", procs.Select(p => $"{p.Name}: {p.ExitStatus}"))}) and every frame came back";
        var json = new
        {
            Scenario = "program",
            Steps = k.Instructions,
            Processes = procs,
            k.Faults,
            FreeFramesBefore = k.FreeFramesAtBoot,
            FreeFramesAfter = k.Frames.FreeFrames,
            MinFreeFrames = k.MinFreeFrames == ulong.MaxValue ? k.Frames.FreeFrames : k.MinFreeFrames,
            LeakedFrames = report.LeakedFrames.Count,
            CheckerErrors = k.CheckerErrors.ToList(),
            k.Console,
            k.Panic,
            Syscalls = k.SyscallCount,
            k.ContextSwitches,
            Instructions = k.Instructions,
            Passed = passed,
            Verdict = verdict,
            Trace = trace ? k.TraceLog : null,
        };
        return (json, passed, verdict);
    }
}

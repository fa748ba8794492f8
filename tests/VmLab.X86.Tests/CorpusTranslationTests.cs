using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.X86.Tests;

/// <summary>
/// The C corpus (native/user/corpus, built by make user) on three machines: the host CPU, VmLab interpreting
/// and VmLab translating hot blocks (every block from its first run, and at the default threshold). All print the
/// same and exit the same, and the two VmLab runs retire exactly the same number of instructions.
/// </summary>
public class CorpusTranslationTests
{
    public static TheoryData<string> Programs => new(Directory.GetFiles(Path.Combine(RepoRoot, "native/user/corpus"), "*.c")
        .Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Programs))]
    public void The_interpreter_the_translator_and_the_host_cpu_agree(string name)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(Path.Combine(RepoRoot, "build/native/user/corpus", name + ".elf")));
        var (interpreted, count) = Run(image, name, translation: false, threshold: 0);
        var (eager, eagerCount) = Run(image, name, translation: true, threshold: 0);
        var (hot, hotCount) = Run(image, name, translation: true, threshold: 64);
        Assert.Equal(RunHost(name), interpreted);
        Assert.Equal(interpreted, eager);
        Assert.Equal(interpreted, hot);
        Assert.Equal(count, eagerCount);
        Assert.Equal(count, hotCount);
    }

    private static (string Output, long Instructions) Run(ProgramImage image, string name, bool translation, int threshold)
    {
        var k = new VmLab.Sim.Kernel.Kernel();
        k.Cpu.Translation = translation;
        k.Cpu.TranslationThreshold = threshold;
        Assert.True(k.Spawn(image, name) > 0);
        k.Run(300_000_000);
        var p = k.History[0];
        return (k.Console + (p.ExitStatus is { } s ? $"[exit {s}]" : $"[killed: {p.KillReason}]"), k.Cpu.InstructionCount);
    }

    private static string RunHost(string name)
    {
        using var p = Process.Start(new ProcessStartInfo(Path.Combine(RepoRoot, "build/native/user/corpus-host", name))
            { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output + $"[exit {p.ExitCode}]";
    }

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (VmLab.slnx) above " + AppContext.BaseDirectory);
    }
}

using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.Sim.Tests.Elf;

/// <summary>
/// The differential corpus (native/user/corpus/*.c): each program is built twice by `make user`, as a static
/// Linux executable (with native/user/host/host-shim.c) and as a VmLab ELF, and NAME.expected holds what it
/// must print followed by "[exit N]". The expected files were produced by a third build of the same sources
/// against glibc (its printf, its memcpy), so they do not take VmLab's library on trust either.
/// </summary>
internal static class DifferentialCorpus
{
    public static string RepoRoot { get; } = FindRoot();

    public static IReadOnlyList<string> Names { get; } =
        [.. Directory.GetFiles(Path.Combine(RepoRoot, "native/user/corpus"), "*.c").Select(Path.GetFileNameWithoutExtension).Order()!];

    public static string Expected(string name) => File.ReadAllText(Path.Combine(RepoRoot, "native/user/corpus", name + ".expected"));

    public static string HostPath(string name) => Path.Combine(RepoRoot, "build/native/user/corpus-host", name);

    public static string ElfPath(string name) => Path.Combine(RepoRoot, "build/native/user/corpus", name + ".elf");

    /// <summary>Runs the host build: its standard output, then "[exit N]".</summary>
    public static string RunHost(string name)
    {
        var info = new ProcessStartInfo(HostPath(name)) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill();
            return output.Result + "[timeout]\n";
        }
        return output.Result + $"[exit {p.ExitCode}]\n";
    }

    /// <summary>Runs the VmLab build alone on a fresh kernel: the console, then "[exit N]" (or how it died).</summary>
    public static string RunOnVmLab(string name, long maxInstructions = 200_000_000)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(ElfPath(name)));
        var k = new VmLab.Sim.Kernel.Kernel();
        if (k.Spawn(image, name) <= 0) return "[not started]\n";
        k.Run(maxInstructions);
        var p = k.History[0];
        string end = k.Panic is { } panic ? $"[panic: {panic}]"
            : p.ExitStatus is { } status ? $"[exit {status}]"
            : p.KillReason is { } reason ? $"[killed: {reason}]" : "[still running]";
        return k.Console + end + "\n";
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (VmLab.slnx) above " + AppContext.BaseDirectory);
    }
}

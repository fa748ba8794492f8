using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.X86.Tests;

/// <summary>
/// What gcc makes of the atomics at every optimization level, with the user programs' flags: the corpus program
/// native/user/corpus/atomics.c built for VmLab and for Linux at -O0, -O1, -O2, -O3 and -Os, run on VmLab's
/// teaching kernel and on the host CPU, must print the same and exit the same. -Os is where gcc turns a
/// sequentially consistent fence into mfence (elsewhere `lock orq $0,(%rsp)`).
/// </summary>
public class GccLevelTests
{
    public static TheoryData<string> Levels => new() { "-O0", "-O1", "-O2", "-O3", "-Os" };

    [Theory]
    [MemberData(nameof(Levels))]
    public void Atomics_and_fences_run_as_on_the_host_cpu(string level)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-gcc-level-").FullName;
        try
        {
            string lib = Path.Combine(RepoRoot, "native/user/lib"), src = Path.Combine(RepoRoot, "native/user/corpus/atomics.c");
            string[] flags = [.. File.ReadAllText(Path.Combine(lib, "cflags")).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries), level];
            string elf = Path.Combine(dir, "atomics.elf"), host = Path.Combine(dir, "atomics");
            Gcc([.. flags, "-T", Path.Combine(lib, "user.ld"), "-o", elf, src, Path.Combine(lib, "crt0.S"),
                Path.Combine(lib, "u-syscall.c"), Path.Combine(lib, "u-lib.c"), "-lgcc"]);
            Gcc([.. flags, "-o", host, src, Path.Combine(RepoRoot, "native/user/host/host-shim.c"), Path.Combine(lib, "u-lib.c"), "-lgcc"]);
            var image = ElfLoader.Load(File.ReadAllBytes(elf));
            if (level == "-Os")
                Assert.Contains(image.Segments, s => s.Bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x0F, 0xAE, 0xF0]) >= 0);   // mfence
            Assert.Equal(Run(host), RunOnVmLab(image));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RunOnVmLab(ProgramImage image)
    {
        var k = new VmLab.Sim.Kernel.Kernel();
        Assert.True(k.Spawn(image, "atomics") > 0);
        k.Run(100_000_000);
        var p = k.History[0];
        return k.Console + (p.ExitStatus is { } s ? $"[exit {s}]" : $"[killed: {p.KillReason}]");
    }

    private static string Run(string program)
    {
        using var p = Process.Start(new ProcessStartInfo(program) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output + $"[exit {p.ExitCode}]";
    }

    private static void Gcc(string[] args)
    {
        var info = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"gcc {string.Join(' ', args)}\n{err}");
    }

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (VmLab.slnx) above " + AppContext.BaseDirectory);
    }
}

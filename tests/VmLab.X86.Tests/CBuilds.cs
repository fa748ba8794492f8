using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.X86.Tests;

/// <summary>One C source built with the user programs' flags for VmLab (crt0, the syscall stubs, user.ld) and for
/// Linux (host-shim.c), and run on VmLab's teaching kernel and on the host CPU.</summary>
internal static class CBuilds
{
    internal static (string Host, string VmLab) Both(string source, string[] extra)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-gcc-level-").FullName;
        try
        {
            string elf = BuildVmLab(source, extra, dir), host = Path.Combine(dir, "host");
            Gcc([.. Flags, .. extra, "-o", host, source, Path.Combine(RepoRoot, "native/user/host/host-shim.c"), Path.Combine(Lib, "u-lib.c"), "-lgcc"]);
            return (Run(host), RunOnVmLab(ElfLoader.Load(File.ReadAllBytes(elf))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static string BuildVmLab(string source, string[] extra, string dir)
    {
        string elf = Path.Combine(dir, "prog.elf");
        Gcc([.. Flags, .. extra, "-T", Path.Combine(Lib, "user.ld"), "-o", elf, source, Path.Combine(Lib, "crt0.S"),
            Path.Combine(Lib, "u-syscall.c"), Path.Combine(Lib, "u-lib.c"), "-lgcc"]);
        return elf;
    }

    // The console without the kernel's own fault line, then the exit status or the signal Linux would send.
    private static string RunOnVmLab(ProgramImage image)
    {
        var k = new VmLab.Sim.Kernel.Kernel();
        Assert.True(k.Spawn(image, "prog") > 0);
        k.Run(200_000_000);
        var p = k.History[0];
        if (p.ExitStatus is { } s) return k.Console + $"[exit {s}]";
        var f = Assert.Single(k.Faults);
        return k.Console.Replace(f.Message + "\n", "") + $"[{f.Signal}]";
    }

    // The corpus exits below 128, so a status above 128 is the shell's and .NET's 128 + signal.
    private static string Run(string program)
    {
        using var p = Process.Start(new ProcessStartInfo(program) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail(program + " did not end in 30 s");
        }
        return output.Result + (p.ExitCode > 128 ? $"[{SignalName(p.ExitCode - 128)}]" : $"[exit {p.ExitCode}]");
    }

    private static string SignalName(int signal) => signal switch { 4 => "SIGILL", 8 => "SIGFPE", 11 => "SIGSEGV", _ => $"signal {signal}" };

    internal static void Gcc(string[] args)
    {
        var info = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"gcc {string.Join(' ', args)}\n{err}");
    }

    private static string Lib => Path.Combine(RepoRoot, "native/user/lib");

    // -I: a source outside native/user (a generated program) includes "u-lib.h" by name
    private static string[] Flags =>
        ["-I", Lib, .. File.ReadAllText(Path.Combine(RepoRoot, "native/user/lib/cflags")).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)];

    internal static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (VmLab.slnx) above " + AppContext.BaseDirectory);
    }
}

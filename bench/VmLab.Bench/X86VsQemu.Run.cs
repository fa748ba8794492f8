using System.Diagnostics;

namespace VmLab.Bench;

internal static partial class X86VsQemu
{
    /// <summary>Builds Programs/NAME.c (or the C file NAME names) twice with the user programs' flags, at level
    /// (-O0...) when given: the VmLab ELF (crt0, syscalls, the user library, the linker script) and a static host
    /// executable (the host shim instead of crt0 and syscalls).</summary>
    private static Built Build(string root, string dir, string program, string? level)
    {
        string lib = Path.Combine(root, "native/user/lib");
        bool file = program.EndsWith(".c", StringComparison.Ordinal);
        string src = file ? Path.GetFullPath(program) : Path.Combine(AppContext.BaseDirectory, "Programs", program + ".c");
        string name = file ? Path.GetFileNameWithoutExtension(program) : program;
        if (level is not null) name += level;
        string[] flags = File.ReadAllText(Path.Combine(lib, "cflags")).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(f => level is not null && f.StartsWith("-O", StringComparison.Ordinal) ? level : f).ToArray();
        string elf = Path.Combine(dir, name + ".elf"), host = Path.Combine(dir, name);
        Gcc([.. flags, "-I", lib, "-T", Path.Combine(lib, "user.ld"), "-o", elf, src, Path.Combine(lib, "crt0.S"),
            Path.Combine(lib, "u-syscall.c"), Path.Combine(lib, "u-lib.c"), "-lgcc"]);
        Gcc([.. flags, "-I", lib, "-o", host, src, Path.Combine(root, "native/user/host/host-shim.c"), Path.Combine(lib, "u-lib.c"), "-lgcc"]);
        return new Built(name, elf, host);
    }

    private static void Gcc(string[] args)
    {
        var (output, exit, _) = RunProcess("gcc", args);
        if (exit != 0)
            throw new GccFailed(output.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal))?.Trim()
                                ?? $"gcc exited with {exit}");
    }

    /// <summary>A program gcc would not build (a held-out file with an error): its first error line.</summary>
    private sealed class GccFailed(string error) : Exception(error);

    /// <summary>Runs a program to its end: its standard output (and error), exit code and wall time.</summary>
    private static (string Output, int Exit, double Seconds) RunProcess(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        sw.Stop();
        return (output + stderr.Result, p.ExitCode, sw.Elapsed.TotalSeconds);
    }

    private static void Print(List<Row> rows, bool qemu)
    {
        Console.WriteLine();
        Console.WriteLine("wall time, medians; ratios are medians of per-round ratios; M/s = guest instructions per second");
        Console.WriteLine($"{"program",-8} {"instructions",13} {"native",8} {"qemu",8} {"vmlab",8} {"vmlab/native",13} {"vmlab/qemu",11} " +
                          $"{"vmlab M/s",10} {"core M/s",9} {"interp M/s",11}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Name,-8} {r.Instructions,13:N0} {r.Native * 1000,6:F0}ms {(qemu ? $"{r.Qemu * 1000,6:F0}ms" : "     -  ")} " +
                              $"{r.Vmlab * 1000,6:F0}ms {r.VmlabPerNative,12:F1}x {(qemu ? $"{r.VmlabPerQemu,10:F1}x" : "         -")} " +
                              $"{r.VmlabRate / 1e6,10:F0} {r.Core.Instructions / r.Core.Seconds / 1e6,9:F0} " +
                              $"{r.Interpreted.Instructions / r.Interpreted.Seconds / 1e6,11:F0}");
        Console.WriteLine("core = the same program in-process on a kernel without the memory checker, translated; interp = the same, interpreted");
    }

    private static string? OnPath(string name) => Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (VmLab.slnx) above " + AppContext.BaseDirectory);
    }
}

using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.Toolchain;

/// <summary>How a compile ended: an ELF the loader accepts, no usable compiler, or the program did not build.</summary>
public enum CompileOutcome : byte
{
    /// <summary>The program compiled and linked; the loader accepts the ELF.</summary>
    Ok,
    /// <summary>No usable C compiler: the one named ($VMLAB_CC, else gcc) is missing or does not build x86-64.</summary>
    CompilerMissing,
    /// <summary>
    /// The compiler ran and failed, or its output is not a program the loader accepts; the diagnostics say why.
    /// </summary>
    Failed,
}

/// <summary>The result of <see cref="UserCompiler.Compile"/>: the outcome, the compiler's own diagnostics
/// (warnings too), the command line that ran, and on success the loaded program.</summary>
public sealed record CompileResult(CompileOutcome Outcome, string Diagnostics, string Command, ProgramImage? Image, string? Problem);

/// <summary>
/// Compiles a user's C program for VmLab the way the build compiles the kernel's programs: the flags in
/// native/user/lib/cflags, the user library (crt0, syscalls, console_printf, memcpy...) and the linker script
/// that puts it at 0x100000. The library travels inside this assembly and is written to a fresh temporary
/// directory for each compile, so an installed tool needs nothing but an x86-64 gcc. The output is then read
/// back with <see cref="ElfLoader"/>: what compiles is what the kernel will load.
/// </summary>
public static class UserCompiler
{
    private const string Prefix = "VmLab.Toolchain.UserLib.";
    private static readonly string[] s_library = ["u-lib.h", "syscall-asm.h", "crt0.S", "u-syscall.c", "u-lib.c", "user.ld", "cflags"];

    /// <summary>A compile that takes longer than this is stopped.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The compiler used when none is named: $VMLAB_CC, else gcc.</summary>
    public static string DefaultCompiler => Environment.GetEnvironmentVariable("VMLAB_CC") is { Length: > 0 } cc ? cc : "gcc";

    /// <summary>The flags every user program is built with (native/user/lib/cflags).</summary>
    public static IReadOnlyList<string> Flags => Library("cflags").Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A library file by name (u-lib.h, syscall-asm.h, crt0.S, u-syscall.c, u-lib.c, user.ld, cflags).</summary>
    public static string Library(string file)
    {
        using var stream = typeof(UserCompiler).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new ArgumentException($"no user library file '{file}'");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Compiles and links <paramref name="sources"/> (C or assembler) into the static ELF <paramref name="output"/>.</summary>
    public static CompileResult Compile(IReadOnlyList<string> sources, string output, string? compiler = null)
    {
        compiler ??= DefaultCompiler;
        string dir = Directory.CreateTempSubdirectory("vmlab-cc-").FullName;
        try
        {
            foreach (string file in s_library)
                File.WriteAllText(Path.Combine(dir, file), Library(file));
            if (Run(compiler, ["-dumpmachine"], out string machine) is not { } probe)
                return new(CompileOutcome.CompilerMissing, "", compiler, null, $"no C compiler '{compiler}' on PATH (install gcc, or set VMLAB_CC)");
            if (probe != 0 || !machine.StartsWith("x86_64", StringComparison.Ordinal))
                return new(CompileOutcome.CompilerMissing, machine, compiler, null,
                    $"'{compiler}' does not build x86-64 programs (it targets {machine.Trim()}); set VMLAB_CC to an x86-64 gcc");
            List<string> args = [.. Flags, "-Wall", "-I", dir, "-T", Path.Combine(dir, "user.ld"), "-o", output, .. sources,
                Path.Combine(dir, "crt0.S"), Path.Combine(dir, "u-syscall.c"), Path.Combine(dir, "u-lib.c"), "-lgcc"];
            string command = compiler + " " + string.Join(' ', args);
            int? exit = Run(compiler, args, out string diagnostics);
            if (exit is null) return new(CompileOutcome.CompilerMissing, "", command, null, $"no C compiler '{compiler}' on PATH");
            if (exit != 0)
                return new(CompileOutcome.Failed, diagnostics, command, null,
                    exit == -1 ? $"the compiler did not finish within {Timeout.TotalSeconds:0} s" : $"compilation failed ({compiler} exit {exit})");
            string? problem = ElfLoader.TryLoad(File.ReadAllBytes(output), out var image);
            return new(problem is null ? CompileOutcome.Ok : CompileOutcome.Failed, diagnostics, command, image, problem);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }       // a leftover temp directory is not worth failing the compile for
        }
    }

    // Runs a program to completion: its exit code (-1 after the timeout), null when it cannot be started.
    private static int? Run(string program, IEnumerable<string> args, out string output)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            output = "";
            return null;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            bool finished = process.WaitForExit(Timeout);
            if (!finished)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            output = stdout.Result + stderr.Result;
            return finished ? process.ExitCode : -1;
        }
    }
}

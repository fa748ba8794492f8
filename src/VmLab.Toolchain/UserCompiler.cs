using System.Text;
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
    /// <summary>The compile was stopped: it ran past its time or memory limit (an #include of a device, a FIFO...).
    /// The compiler's own last words are in the diagnostics; the problem says which limit.</summary>
    OverLimit,
}

/// <summary>The result of <see cref="UserCompiler.Compile(IReadOnlyList{string}, string, CompileOptions)"/>: the
/// outcome, the compiler's own diagnostics (warnings too), the commands that ran, and on success the loaded program.</summary>
public sealed record CompileResult(CompileOutcome Outcome, string Diagnostics, string Command, ProgramImage? Image, string? Problem);

/// <summary>What a student may say about a compile: the optimisation level, macros, include directories,
/// debug information, and which compiler.</summary>
public sealed record CompileOptions
{
    /// <summary>The levels <see cref="Optimization"/> may take (gcc's -O0 ... -O3, -Os, -Og).</summary>
    public static readonly IReadOnlyList<string> Levels = ["0", "1", "2", "3", "s", "g"];

    /// <summary>gcc's -O level for the program's own sources (the user library is always built at -O2).</summary>
    public string Optimization { get; init; } = "2";

    /// <summary>-D NAME or NAME=VALUE, each passed to gcc as one argument.</summary>
    public IReadOnlyList<string> Defines { get; init; } = [];

    /// <summary>-I directories, searched after the user library's headers.</summary>
    public IReadOnlyList<string> IncludeDirs { get; init; } = [];

    /// <summary>-g: DWARF debug information in the ELF (the loader ignores it; gdb and objdump -S read it).</summary>
    public bool Debug { get; init; }

    /// <summary>The compiler, or null for <see cref="UserCompiler.DefaultCompiler"/>.</summary>
    public string? Compiler { get; init; }

    /// <summary>How long all the steps of the compile may take together.</summary>
    public TimeSpan TimeLimit { get; init; } = UserCompiler.Timeout;
}

/// <summary>What language a source file is, by its name as gcc decides it.</summary>
public enum SourceLanguage : byte
{
    /// <summary>.c</summary>
    C,
    /// <summary>.cc .cpp .cxx .c++ .C</summary>
    Cxx,
    /// <summary>.S (assembler through the C preprocessor)</summary>
    AssemblerWithCpp,
    /// <summary>.s</summary>
    Assembler,
}

/// <summary>
/// Compiles a user's C or C++ program for VmLab the way the build compiles the kernel's programs: the flags in
/// native/user/lib/cflags (cxxflags for C++), the user library (crt0, syscalls, console_printf, memcpy...) and the
/// linker script that puts it at 0x100000. The library, WeensyOS-compatible headers included, travels inside
/// this assembly and is written to a fresh temporary directory for each compile, so an installed tool needs
/// nothing but an x86-64 gcc. The output is then read back with <see cref="ElfLoader"/>: what compiles is what
/// the kernel will load, and only then is it written where it was asked for.
/// </summary>
public static partial class UserCompiler
{
    /// <summary>A compile (every step of it) that takes longer than this is stopped.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The largest source file compiled (it is read into memory and handed to gcc on its input).</summary>
    public const int MaxSourceBytes = 4 << 20;

    /// <summary>The compiler used when none is named: $VMLAB_CC, else gcc.</summary>
    public static string DefaultCompiler => Environment.GetEnvironmentVariable("VMLAB_CC") is { Length: > 0 } cc ? cc : "gcc";

    /// <summary>The language of a source file by its extension, or null for a name gcc would not compile.</summary>
    public static SourceLanguage? LanguageOf(string path) => Path.GetExtension(path) switch
    {
        ".c" => SourceLanguage.C,
        ".cc" or ".cpp" or ".cxx" or ".c++" or ".C" or ".cp" or ".CPP" => SourceLanguage.Cxx,
        ".S" or ".sx" => SourceLanguage.AssemblerWithCpp,
        ".s" => SourceLanguage.Assembler,
        _ => null,
    };

    /// <summary>Compiles and links <paramref name="sources"/> into the static ELF <paramref name="output"/> at gcc's
    /// default level for VmLab (-O2).</summary>
    public static CompileResult Compile(IReadOnlyList<string> sources, string output, string? compiler = null) =>
        Compile(sources, output, new CompileOptions { Compiler = compiler });

    /// <summary>Compiles and links <paramref name="sources"/> (regular files: C, C++ or assembler) into the static
    /// ELF <paramref name="output"/>, written only when the loader accepts it.</summary>
    public static CompileResult Compile(IReadOnlyList<string> sources, string output, CompileOptions options)
    {
        string compiler = options.Compiler ?? DefaultCompiler;
        string dir = Directory.CreateTempSubdirectory("vmlab-cc-").FullName;
        using var run = new CompilerRun(options.TimeLimit, dir);
        var log = new StringBuilder();
        var commands = new List<string>();
        try
        {
            WriteLibrary(dir);
            if (run.Run(compiler, ["-dumpmachine"], dir, null, false, out int probe, out string machine) == RunEnd.NotStarted)
                return new(CompileOutcome.CompilerMissing, "", compiler, null, $"no C compiler '{compiler}' on PATH (install gcc, or set VMLAB_CC)");
            if (probe != 0 || !machine.StartsWith("x86_64", StringComparison.Ordinal))
                return new(CompileOutcome.CompilerMissing, machine, compiler, null,
                    $"'{compiler}' does not build x86-64 programs (it targets {Line(machine)}); set VMLAB_CC to an x86-64 gcc");

            var steps = Steps(sources, dir, options, out string? bad);
            if (bad is not null) return new(CompileOutcome.Failed, "", compiler, null, bad);
            foreach (var step in steps)
            {
                commands.Add(step.Shown(compiler));
                var end = run.Run(step.Program ?? compiler, step.Args, dir, step.Input, true, out int exit, out string said);
                log.Append(said);
                string command = string.Join(" && ", commands);
                if (end == RunEnd.NotStarted)
                    return new(CompileOutcome.CompilerMissing, log.ToString(), command, null, step.Program is { } tool
                        ? $"no '{tool}' on PATH (install binutils)" : $"no C compiler '{compiler}' on PATH");
                if (end == RunEnd.TimedOut)
                    return new(CompileOutcome.OverLimit, log.ToString(), command, null, $"the compiler did not finish within {options.TimeLimit.TotalSeconds:0} s (does it #include a FIFO or a device?)");
                if (exit != 0 && OverFileLimit(said, exit))
                    return new(CompileOutcome.OverLimit, log.ToString(), command, null,
                        $"the compiler wrote a file over its {CompilerRun.FileLimitBytes >> 20} MiB limit (a user program is at most {ElfLoader.MaxFileSize >> 20} MiB)");
                if (exit != 0)
                    return OutOfMemory(said)
                        ? new(CompileOutcome.OverLimit, log.ToString(), command, null,
                            $"the compiler ran out of its {CompilerRun.MemoryLimitBytes >> 30} GiB of memory (does it #include a device or a huge file?)")
                        : new(CompileOutcome.Failed, log.ToString(), command, null, $"compilation failed ({compiler} exit {exit})");
            }
            return Load(Path.Combine(dir, "a.elf"), output, log.ToString(), string.Join(" && ", commands));
        }
        catch (IOException e)
        {
            return new(CompileOutcome.Failed, log.ToString(), string.Join(" && ", commands), null, e.Message);
        }
    }

    private static CompileResult Load(string linked, string output, string diagnostics, string command)
    {
        var info = new FileInfo(linked);
        if (!info.Exists) return new(CompileOutcome.Failed, diagnostics, command, null, "the linker wrote no program");
        if (info.Length > ElfLoader.MaxFileSize)
            return new(CompileOutcome.Failed, diagnostics, command, null, $"the program is {info.Length} bytes, more than the loader's {ElfLoader.MaxFileSize}");
        byte[] bytes = File.ReadAllBytes(linked);
        string? problem = ElfLoader.TryLoad(bytes, out var image);
        if (problem is not null) return new(CompileOutcome.Failed, diagnostics, command, null, problem);
        Replace(output, bytes);
        return new(CompileOutcome.Ok, diagnostics, command, image, null);
    }

    /// <summary>Writes the program beside <paramref name="output"/> and renames it over: the name is replaced, never
    /// written through, so an output that is a symbolic or hard link to a source (or any file of the user's) leaves
    /// that file as it was, and a failed write leaves the old output whole.</summary>
    private static void Replace(string output, byte[] bytes)
    {
        string full = Path.GetFullPath(output);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    // gcc's words when the address-space limit stops cc1, cc1plus, as or ld.
    // SIGXFSZ: the process itself (128 + 25), or a driver's report of its child's death by it.
    private static bool OverFileLimit(string said, int exit) =>
        exit == 153 || said.Contains("File size limit exceeded", StringComparison.Ordinal) || said.Contains("signal 25", StringComparison.Ordinal);

    private static bool OutOfMemory(string said) =>
        said.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || said.Contains("virtual memory exhausted", StringComparison.OrdinalIgnoreCase)
        || said.Contains("Cannot allocate memory", StringComparison.OrdinalIgnoreCase)
        || said.Contains("std::bad_alloc", StringComparison.Ordinal);

    private static string Line(string text) => text.Trim().Split('\n')[0];
}

using System.CommandLine;
using VmLab.Sim.Elf;

namespace VmLab.Cli.Commands.Sim;

/// <summary>Where <c>sim cpu</c> and <c>sim disasm</c> get their program: a static x86-64 ELF file (from
/// 'vmlab sim cc') or one of the kernel's built-in C programs (native/user/p-NAME.c).</summary>
internal sealed class ProgramInput
{
    public Argument<string?> File { get; } = Opt.Positional("FILE", "a static x86-64 ELF program (build one with 'vmlab sim cc')");

    public Option<string> Builtin { get; } = Builtins();

    private static Option<string> Builtins()
    {
        string[] names = [.. ElfPrograms.Names];
        var o = Opt.Parsed("--builtin", $"one of the kernel's C programs instead of FILE: {Opt.Words(names)}", "NAME", "",
            t => names.Contains(t) ? t : throw new UsageException($"--builtin: no program '{Numbers.Clip(t)}' (programs: {string.Join(", ", names)})"));
        o.CompletionSources.Add(names);
        return o;
    }

    public Symbol[] Symbols => [File, Builtin];

    /// <summary>The program named on the command line: what to call it in reports (the file, or "NAME (built-in)"),
    /// its process name (the file name without extension, or NAME) and the loaded image.</summary>
    public (string Display, string Name, ProgramImage Image) Read(Ctx ctx)
    {
        string builtin = ctx.Get(Builtin);
        string? file = ctx.Get(File);
        if (builtin.Length > 0)
        {
            if (file is not null) throw new UsageException($"give FILE or --builtin, not both (got '{Numbers.Clip(file)}')");
            return ($"{builtin} (built-in)", builtin, ElfPrograms.Image(builtin)!);
        }
        if (file is null) throw new UsageException("missing FILE (or --builtin NAME)");
        return (file, Path.GetFileNameWithoutExtension(file), ElfInput.Load(file));
    }

    /// <summary>Bytes as hex; a long run is cut after 1 KiB and its length said.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => bytes.Length <= 1024
        ? Convert.ToHexString(bytes).ToLowerInvariant()
        : Convert.ToHexString(bytes[..1024]).ToLowerInvariant() + $"… ({bytes.Length} bytes)";
}

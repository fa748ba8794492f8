using System.CommandLine;
using VmLab.Cli.Framework;
using VmLab.Sim.Asm;
using VmLab.Sim.Programs;

namespace VmLab.Cli.Commands.Sim;

/// <summary>Where the sim program verbs get their program: a saved image, assembler source, or a built-in sample.</summary>
internal sealed class ProgramInput
{
    /// <summary>Input files larger than this are refused before they are read (sources and images are small).</summary>
    public const long MaxFileBytes = 16L << 20;

    public Argument<string?> File { get; } = Opt.Positional("FILE", "assembler source (.s) or a program image written by 'vmlab sim asm -o'");

    public Option<string> Builtin { get; } = Samples();

    private static Option<string> Samples()
    {
        string[] names = [.. SamplePrograms.All.Keys];
        var o = Opt.Parsed("--builtin", $"a built-in sample instead of FILE: {Opt.Words(names)} (spin runs 60 M instructions)", "NAME", "",
            t => names.Contains(t) ? t : throw new UsageException($"--builtin: no sample '{Numbers.Clip(t)}' (samples: {string.Join(", ", names)})"));
        o.CompletionSources.Add(names);
        return o;
    }

    public Symbol[] Symbols => [File, Builtin];

    /// <summary>The program named on the command line, with its display name and, for source, the listing.</summary>
    public (string Name, ProgramImage Image, AsmOutput? Assembly) Read(Ctx ctx)
    {
        string builtin = ctx.Get(Builtin);
        string? file = ctx.Get(File);
        if (builtin.Length > 0)
        {
            if (file is not null) throw new UsageException($"give FILE or --builtin, not both (got '{Numbers.Clip(file)}')");
            var sample = Assemble(SamplePrograms.Source(builtin)!, builtin + ".s");
            return ($"{builtin} (built-in)", sample.Image, sample);
        }
        if (file is null) throw new UsageException("missing FILE (or --builtin NAME)");
        byte[] bytes = InputFile.Read(file, MaxFileBytes);
        if (ProgramImage.IsImage(bytes))
        {
            try { return (file, ProgramImage.Load(bytes), null); }
            catch (InvalidDataException e) { throw new UsageException($"{file}: {e.Message}"); }
        }
        var output = Assemble(System.Text.Encoding.UTF8.GetString(bytes), Path.GetFileName(file));
        return (file, output.Image, output);
    }

    /// <summary>Assembles, turning an error into the one-line usage message "file:line: what, at which token".</summary>
    public static AsmOutput Assemble(string source, string name)
    {
        try { return Assembler.AssembleWithListing(source, name); }
        catch (AsmException e) { throw new UsageException(e.Message); }
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}

using VmLab.Cli.Framework;
using VmLab.Sim.Asm;
using VmLab.Sim.Programs;

namespace VmLab.Cli.Commands.Sim;

/// <summary>Where the sim program verbs get their program: a saved image, assembler source, or a built-in sample.</summary>
internal static class ProgramInput
{
    public const string Help = """
          FILE             assembler source (.s) or a program image written by 'vmlab sim asm -o'
          --builtin NAME   a built-in sample instead of FILE: hello, loop, fib, memcpy, spin (60 M instructions)
        """;

    /// <summary>The program named on the command line, with its display name and, for source, the listing.</summary>
    public static (string Name, ProgramImage Image, AsmOutput? Assembly) Read(ArgReader args)
    {
        string? builtin = args.Option("--builtin");
        string? file = args.Positional();
        if (builtin is not null)
        {
            if (file is not null) throw new UsageException($"give FILE or --builtin, not both (got '{file}')");
            string source = SamplePrograms.Source(builtin)
                ?? throw new UsageException($"--builtin: no sample '{builtin}' (samples: {string.Join(", ", SamplePrograms.All.Keys)})");
            var sample = Assemble(source, builtin + ".s");
            return ($"{builtin} (built-in)", sample.Image, sample);
        }
        if (file is null) throw new UsageException("missing FILE (or --builtin NAME)");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read '{file}': {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}");
        }
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

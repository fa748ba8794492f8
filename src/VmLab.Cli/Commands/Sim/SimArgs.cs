using VmLab.Cli.Framework;
using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;

namespace VmLab.Cli.Commands.Sim;

/// <summary>Argument syntax shared by the paging verbs: "VA->PA" pairs, PTE_ permission names, hex formatting.</summary>
internal static class SimArgs
{
    /// <summary>Parses "0x3009->0x19009" (hex or decimal on either side); the error names the bad token.</summary>
    public static MappingPair Pair(string token)
    {
        int arrow = token.IndexOf("->", StringComparison.Ordinal);
        if (arrow <= 0 || arrow + 2 >= token.Length)
            throw new UsageException($"'{token}' is not a VA->PA pair (write it like 0x3009->0x19009)");
        return new MappingPair(Numbers.Parse(token[..arrow], $"pair '{token}'"), Numbers.Parse(token[(arrow + 2)..], $"pair '{token}'"));
    }

    /// <summary>--color / --no-color for the memory viewer; by default colour only on a terminal without NO_COLOR.</summary>
    public static bool Color(CommandContext ctx)
    {
        bool color = ctx.Args.Flag("--color");
        bool noColor = ctx.Args.Flag("--no-color");
        if (color && noColor) throw new UsageException("give --color or --no-color, not both");
        return color || (!noColor && ReferenceEquals(ctx.Out, Console.Out) && !Console.IsOutputRedirected
                         && Environment.GetEnvironmentVariable("NO_COLOR") is null);
    }

    /// <summary>All positional pairs; at least one.</summary>
    public static List<MappingPair> Pairs(ArgReader args)
    {
        var tokens = args.Positionals();
        if (tokens.Count == 0) throw new UsageException("give at least one VA->PA pair, e.g. 0x3009->0x19009");
        return tokens.Select(Pair).ToList();
    }

    /// <summary>Parses "PTE_P|PTE_W", "P|W|U" or a number.</summary>
    public static ulong Perm(string token)
    {
        if (token.Length > 0 && char.IsDigit(token[0])) return Numbers.Parse(token, "--perm");
        ulong perm = 0;
        foreach (string raw in token.Split('|', StringSplitOptions.TrimEntries))
        {
            string name = raw.StartsWith("PTE_", StringComparison.OrdinalIgnoreCase) ? raw[4..] : raw;
            perm |= name.ToUpperInvariant() switch
            {
                "P" => Pte.PTE_P, "W" => Pte.PTE_W, "U" => Pte.PTE_U, "PWT" => Pte.PTE_PWT, "PCD" => Pte.PTE_PCD,
                "G" => Pte.PTE_G, "NX" => Pte.PTE_NX,
                _ => throw new UsageException($"--perm: '{raw}' is not a permission (use PTE_P, PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_G, PTE_NX)"),
            };
        }
        return perm;
    }

    public static string Hex(ulong value) => $"0x{value:x}";

    public static string Hex16(ulong value) => $"0x{value:x16}";
}

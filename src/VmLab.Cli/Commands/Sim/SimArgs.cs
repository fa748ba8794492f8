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
            throw new UsageException($"'{Numbers.Clip(token)}' is not a VA->PA pair (write it like 0x3009->0x19009)");
        return new MappingPair(Numbers.Parse(token[..arrow], $"pair '{Numbers.Clip(token)}'"), Numbers.Parse(token[(arrow + 2)..], $"pair '{Numbers.Clip(token)}'"));
    }

    /// <summary>The VA->PA pairs the mapping verbs take as their arguments.</summary>
    public static System.CommandLine.Argument<string[]> PairsArgument(string description) => Opt.Positionals("VA->PA", description);

    /// <summary>All positional pairs; at least one.</summary>
    public static List<MappingPair> Pairs(Ctx ctx, System.CommandLine.Argument<string[]> pairs) => ctx.Get(pairs) switch
    {
        [] => throw new UsageException("give at least one VA->PA pair, e.g. 0x3009->0x19009"),
        var tokens => [.. tokens.Select(Pair)],
    };

    private const ulong PermissionBits = Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_PWT | Pte.PTE_PCD | Pte.PTE_G | Pte.PTE_NX;

    /// <summary>Parses "PTE_P|PTE_W", "P|W|U" or a number made of those bits only.</summary>
    public static ulong Perm(string token)
    {
        if (token.Length > 0 && char.IsDigit(token[0]))
        {
            ulong bits = Numbers.Parse(token, "--perm");
            return (bits & ~PermissionBits) == 0
                ? bits
                : throw new UsageException($"--perm: {Numbers.Clip(token)} has bits that are not permissions (allowed: PTE_P, PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_G, PTE_NX = 0x{PermissionBits:x})");
        }
        ulong perm = 0;
        foreach (string raw in token.Split('|', StringSplitOptions.TrimEntries))
        {
            string name = raw.StartsWith("PTE_", StringComparison.OrdinalIgnoreCase) ? raw[4..] : raw;
            perm |= name.ToUpperInvariant() switch
            {
                "P" => Pte.PTE_P,
                "W" => Pte.PTE_W,
                "U" => Pte.PTE_U,
                "PWT" => Pte.PTE_PWT,
                "PCD" => Pte.PTE_PCD,
                "G" => Pte.PTE_G,
                "NX" => Pte.PTE_NX,
                _ => throw new UsageException($"--perm: '{Numbers.Clip(raw)}' is not a permission (use PTE_P, PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_G, PTE_NX)"),
            };
        }
        return perm;
    }

    /// <summary>Each pair as the MMU translated it (--json), and the table both mapping verbs print of it.</summary>
    public static List<TranslationJson> Translations(IEnumerable<PairCheck> checks) =>
        [.. checks.Select(c => new TranslationJson(c.Pair.ToString(), c.TranslatedPa is { } pa ? Hex(pa) : null, c.Ok))];

    public static void Translations(Report r, string header, IEnumerable<TranslationJson> translations) =>
        r.Table(["pair", header, "agrees"], translations.Select(t => (IReadOnlyList<string>)[t.Pair, t.TranslatedPa ?? "fault", t.Ok ? "yes" : "NO"]));

    public static string Hex(ulong value) => $"0x{value:x}";

    public static string Hex16(ulong value) => $"0x{value:x16}";
}

internal sealed record TranslationJson(string Pair, string? TranslatedPa, bool Ok);

/// <summary>--color / --no-color for the memory viewers; by default colour only on a terminal without NO_COLOR.</summary>
internal sealed class ColourOptions
{
    public System.CommandLine.Option<bool> On { get; } = Opt.Flag("--color", "ANSI colours (default: on when stdout is a terminal and NO_COLOR is unset)");

    public System.CommandLine.Option<bool> Off { get; } = Opt.Flag("--no-color", "letters only");

    /// <summary>Colour or not, from the flags the verb was given.</summary>
    public bool Resolve(Ctx ctx)
    {
        bool on = ctx.Get(On), off = ctx.Get(Off);
        if (on && off) throw new UsageException("give --color or --no-color, not both");
        return !ctx.Json && (on || (!off && Terminal.Colour(ctx.Out)));
    }
}

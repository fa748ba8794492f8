using System.CommandLine;
using System.CommandLine.Parsing;

namespace VmLab.Cli.Framework;

/// <summary>
/// Options and arguments as every verb declares them. Values are parsed and range-checked at parse time, so a
/// bad value is one line naming the option and the range before any work starts.
/// </summary>
internal static class Opt
{
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    public static Option<string?> Text(string name, string description, string? helpName = null, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = helpName };

    /// <summary>An integer in [min, max], decimal or 0x hex.</summary>
    public static Option<long> Int(string name, string description, long fallback, long min, long max) =>
        Parsed(name, description, "N", fallback, t =>
        {
            // a negative number is a number out of range, not a word that is not one
            if (t.StartsWith('-') && t.Length > 1 && char.IsDigit(t[1]))
                throw new UsageException($"{name} must be between {min} and {max} (got {Numbers.Clip(t)})");
            ulong v = Numbers.Parse(t, name);
            return v >= (ulong)Math.Max(min, 0) && v <= (ulong)max
                ? (long)v
                : throw new UsageException($"{name} must be between {min} and {max} (got {Numbers.Clip(t)})");
        });

    /// <summary>A size in [min, max]: bytes or K/M/G (64K, 2M).</summary>
    public static Option<long> Size(string name, string description, long fallback, long min, long max) =>
        Parsed(name, description, "SIZE", fallback, t =>
        {
            long v = Numbers.ParseSize(t, name);
            return v >= min && v <= max
                ? v
                : throw new UsageException($"{name} must be between {Numbers.FormatSize(min)} and {Numbers.FormatSize(max)} (got {Numbers.Clip(t)})");
        });

    /// <summary>An address (0x hex or decimal), null when absent.</summary>
    public static Option<ulong?> Address(string name, string description) =>
        Parsed<ulong?>(name, description, "ADDR", null, t => Numbers.Parse(t, name));

    /// <summary>One of a fixed set of words; completion offers them.</summary>
    public static Option<string> Choice(string name, string description, string fallback, params string[] values)
    {
        var o = Parsed(name, description, string.Join('|', values), fallback, t => values.Contains(t)
            ? t
            : throw new UsageException($"{name} must be {Words(values)} (got '{Numbers.Clip(t)}')"));
        o.CompletionSources.Add(values);
        return o;
    }

    /// <summary>An option whose token goes through <paramref name="parse"/>; a UsageException becomes a parse error.</summary>
    public static Option<T> Parsed<T>(string name, string description, string helpName, T fallback, Func<string, T> parse) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => fallback,
        CustomParser = r => r.Tokens.Count == 0 ? fallback : Catch(r, () => parse(r.Tokens[0].Value), fallback),
    };

    /// <summary>An optional positional argument. Tokens that look like options are left unmatched, so a typo
    /// such as --zzz is reported as an unknown option (with suggestions) instead of being taken as the value.</summary>
    public static Argument<string?> Positional(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r => Take(r) is [var first, ..] ? first : null,
    };

    /// <summary>Any number of positional arguments (options-looking tokens left unmatched, as above).</summary>
    public static Argument<string[]> Positionals(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
        CustomParser = r => Take(r),
    };

    /// <summary>The command line's tokens after a "--" (set by the runner for the parse): taken as arguments,
    /// however they look ('vmlab sim cpu -- -x.elf').</summary>
    [ThreadStatic] internal static HashSet<string>? AfterDoubleDash;

    private static string[] Take(ArgumentResult r)
    {
        int n = r.Tokens.TakeWhile(t => !LooksLikeOption(t.Value) || AfterDoubleDash?.Contains(t.Value) == true).Count();
        if (n < r.Tokens.Count)
            r.OnlyTake(n);
        return [.. r.Tokens.Take(n).Select(t => t.Value)];
    }

    public static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]);

    private static T Catch<T>(SymbolResult r, Func<T> parse, T fallback)
    {
        try { return parse(); }
        catch (UsageException e)
        {
            r.AddError(e.Message);
            return fallback;
        }
    }

    /// <summary>"a, b or c".</summary>
    public static string Words(IReadOnlyList<string> values) =>
        values.Count <= 1 ? string.Join("", values) : $"{string.Join(", ", values.Take(values.Count - 1))} or {values[^1]}";
}

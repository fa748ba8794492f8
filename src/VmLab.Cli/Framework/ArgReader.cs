using System.Globalization;

namespace VmLab.Cli.Framework;

/// <summary>
/// Reads a verb's arguments: options (--name value, --name=value, flags), positionals, and everything after
/// "--" verbatim. Every read consumes; <see cref="End"/> rejects whatever nobody asked for, so a typo is
/// an error naming the token, never silently ignored.
/// </summary>
internal sealed class ArgReader
{
    private readonly List<string?> _tokens;   // null once consumed
    private readonly List<string> _rest;

    public ArgReader(IEnumerable<string> tokens)
    {
        var all = tokens.ToList();
        int dd = all.IndexOf("--");
        _tokens = (dd < 0 ? all : all.Take(dd)).Select(t => (string?)t).ToList();
        _rest = dd < 0 ? [] : all.Skip(dd + 1).ToList();
        HasRest = dd >= 0;
    }

    /// <summary>True when "--" was present (even with nothing after it).</summary>
    public bool HasRest { get; }

    /// <summary>True when the flag is present. Flags may be read more than once.</summary>
    public bool Flag(string name)
    {
        for (int i = 0; i < _tokens.Count; i++)
        {
            if (_tokens[i] == name)
            {
                _tokens[i] = null;
                _seenFlags.Add(name);
            }
        }
        return _seenFlags.Contains(name);
    }

    private readonly HashSet<string> _seenFlags = [];

    /// <summary>The value of --name (as "--name v" or "--name=v"), or null when absent.</summary>
    public string? Option(string name)
    {
        string? value = null;
        for (int i = 0; i < _tokens.Count; i++)
        {
            string? t = _tokens[i];
            if (t == name)
            {
                if (i + 1 >= _tokens.Count || _tokens[i + 1] is null)
                    throw new UsageException($"{name} needs a value");
                value = _tokens[i + 1];
                _tokens[i] = _tokens[i + 1] = null;
            }
            else if (t is not null && t.StartsWith(name + "=", StringComparison.Ordinal))
            {
                value = t[(name.Length + 1)..];
                _tokens[i] = null;
            }
        }
        return value;
    }

    /// <summary>An integer option within [min, max] (hex 0x… accepted).</summary>
    public long Int(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        string? v = Option(name);
        if (v is null) return fallback;
        long n = (long)Numbers.Parse(v, name);
        if (n < min || n > max)
            throw new UsageException($"{name} must be between {min} and {max} (got {v})");
        return n;
    }

    /// <summary>A size option: plain bytes or with a K/M/G suffix (64K, 2M, 2MiB).</summary>
    public long Bytes(string name, long fallback, long min = 1, long max = long.MaxValue)
    {
        string? v = Option(name);
        if (v is null) return fallback;
        long n = Numbers.ParseSize(v, name);
        if (n < min || n > max)
            throw new UsageException($"{name} must be between {Numbers.FormatSize(min)} and {Numbers.FormatSize(max)} (got {v})");
        return n;
    }

    /// <summary>An address option (hex 0x… or decimal), or null when absent.</summary>
    public ulong? Address(string name)
    {
        string? v = Option(name);
        return v is null ? null : Numbers.Parse(v, name);
    }

    /// <summary>The next positional argument, or null when none is left.</summary>
    public string? Positional()
    {
        for (int i = 0; i < _tokens.Count; i++)
        {
            string? t = _tokens[i];
            if (t is null || (t.StartsWith('-') && t.Length > 1 && !char.IsDigit(t[1])))
                continue;
            _tokens[i] = null;
            return t;
        }
        return null;
    }

    /// <summary>All remaining positional arguments.</summary>
    public List<string> Positionals()
    {
        var list = new List<string>();
        while (Positional() is { } p) list.Add(p);
        return list;
    }

    /// <summary>Everything after "--", untouched.</summary>
    public IReadOnlyList<string> Rest => _rest;

    /// <summary>Throws for the first argument no read consumed.</summary>
    public void End()
    {
        foreach (string? t in _tokens)
        {
            if (t is null) continue;
            throw t.StartsWith("--", StringComparison.Ordinal) || (t.StartsWith('-') && t.Length > 1)
                ? new UsageException($"unknown option '{t}' (see --help)")
                : new UsageException($"unexpected argument '{t}' (see --help)");
        }
    }
}

/// <summary>Number syntax shared by every verb: decimal, 0x hex, and K/M/G sizes.</summary>
internal static class Numbers
{
    /// <summary>Parses "4096", "0x1000" or "0X1F000"; the error names <paramref name="what"/> and the token.</summary>
    public static ulong Parse(string token, string what)
    {
        string t = token.Trim().Replace("_", "", StringComparison.Ordinal);
        bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || t.Length == 0)
            throw new UsageException($"{what}: '{token}' is not a number (use decimal or 0x hex)");
        return v;
    }

    /// <summary>Parses "65536", "64K", "64KiB", "2M", "1G".</summary>
    public static long ParseSize(string token, string what)
    {
        string t = token.Trim();
        long mult = 1;
        string upper = t.ToUpperInvariant();
        foreach (var (suffix, m) in new[] { ("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30) })
        {
            if (upper.EndsWith(suffix, StringComparison.Ordinal) && !upper.StartsWith("0X", StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                mult = m;
                break;
            }
        }
        ulong n;
        try { n = Parse(t, what); }
        catch (UsageException) { throw new UsageException($"{what}: '{token}' is not a size (use bytes, or K/M/G: 64K, 2M)"); }
        if (n > (ulong)(long.MaxValue / mult))
            throw new UsageException($"{what}: '{token}' is too large");
        return (long)n * mult;
    }

    /// <summary>"64 KiB", "2 MiB", "4096 B".</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} B",
    };
}

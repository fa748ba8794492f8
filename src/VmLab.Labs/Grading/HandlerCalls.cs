using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Labs.Build;

namespace VmLab.Labs.Grading;

/// <summary>
/// Which library functions a shared library's signal handler can reach, read from its machine code (objdump -d).
/// The handler is not guessed from the code: the grader asks the running program which function the library's
/// constructor installed (<see cref="FriendlyTests"/>'s handler probe reads sigaction's answer after the
/// constructor ran), so a handler installed through a static struct sigaction, a helper or signal() is found
/// alike. From its address, everything it calls directly or through its own helpers is followed; the calls that
/// leave the library (name@plt) are the C library functions it uses.
/// </summary>
internal static partial class HandlerCalls
{
    /// <summary>The function holding each handler address (offsets in the library, as dladdr gives them) and the C
    /// library functions it can reach.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Read(string library, string dir, IEnumerable<ulong> handlers)
    {
        string objdump = Tools.Find("objdump") ?? throw new GradeFailure("objdump (binutils) is missing: the grader reads the handler's calls with it");
        // every executable section, not .text alone: a helper put in a section of its own is code the handler calls
        var (_, text) = Tools.Run(objdump, ["-d", "--no-show-raw-insn", library], dir, BuildLimits.Default);
        var calls = new Dictionary<string, HashSet<string>>();
        var starts = new SortedList<ulong, string>();
        string? current = null;
        foreach (string line in text.Split('\n'))
        {
            if (Header().Match(line) is { Success: true } h)
            {
                current = h.Groups[2].Value;
                calls[current] = [];
                starts[ulong.Parse(h.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = current;
                continue;
            }
            if (current is not null && Call().Match(line) is { Success: true } c) calls[current].Add(c.Groups[1].Value);
            else if (current is not null && IndirectCall().IsMatch(line)) calls[current].Add(Indirect);
        }
        var result = new Dictionary<string, IReadOnlyList<string>>();
        foreach (ulong address in handlers)
        {
            // The function that starts at or most closely before the address (a handler is a function's entry).
            string? name = starts.Keys.LastOrDefault(s => s <= address) is var at && starts.TryGetValue(at, out var n) ? n : null;
            if (name is not null) result[name] = [.. Reach(name, calls).Order(StringComparer.Ordinal)];
        }
        return result;
    }

    // The @plt callees of everything reachable from a function by direct calls and jumps.
    private static IEnumerable<string> Reach(string root, Dictionary<string, HashSet<string>> calls)
    {
        var seen = new HashSet<string> { root };
        var work = new Stack<string>([root]);
        var external = new HashSet<string>();
        while (work.TryPop(out var f))
            foreach (string callee in calls.GetValueOrDefault(f) ?? [])
            {
                if (callee == Indirect) external.Add(Indirect);
                else if (callee.EndsWith("@plt", StringComparison.Ordinal)) external.Add(CBuild.Plain(callee[..^4]));
                else if (!calls.ContainsKey(callee)) external.Add(Indirect);      // code the disassembly does not show: unreadable
                else if (seen.Add(callee)) work.Push(callee);
            }
        return external;
    }

    /// <summary>Stands for a call or jump through a register or memory (a function pointer) among a function's
    /// callees: what it reaches cannot be read from the code. (The library is built with -fno-jump-tables, so a
    /// switch makes none.)</summary>
    public const string Indirect = "*indirect*";

    [GeneratedRegex(@"\s(?:notrack\s+)?(?:call|jmp)q?\s+\*")]
    private static partial Regex IndirectCall();

    [GeneratedRegex(@"^([0-9a-f]+) <([^>+]+)>:$")]
    private static partial Regex Header();

    [GeneratedRegex(@"\s(?:call|jmp|j[a-z]+)q?\s+[0-9a-f]+ <([^>+]+)(?:\+0x[0-9a-f]+)?>")]
    private static partial Regex Call();
}

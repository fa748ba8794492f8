using System.Text.RegularExpressions;
using VmLab.Labs.Build;

namespace VmLab.Labs.Grading;

/// <summary>
/// Which library functions a shared library's signal handler can reach, read from its machine code (objdump -d):
/// a handler is a function whose address is taken in a function that calls sigaction or signal (to install it),
/// and everything it calls, directly or through its own helpers, is followed; the calls that leave the library
/// (name@plt) are the C library functions it uses.
/// </summary>
internal static partial class HandlerCalls
{
    private static readonly HashSet<string> CompilerRuntime = ["deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux", "frame_dummy", "_init", "_fini"];

    /// <summary>Each handler (a function whose address is taken) and the C library functions it can reach.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Read(string library, string dir)
    {
        string objdump = Tools.Find("objdump") ?? throw new GradeFailure("objdump (binutils) is missing: the grader reads the handler's calls with it");
        var (_, text) = Tools.Run(objdump, ["-d", "--no-show-raw-insn", "-j", ".text", library], dir, BuildLimits.Default);
        var calls = new Dictionary<string, HashSet<string>>();
        var taken = new Dictionary<string, HashSet<string>>();     // function -> the functions whose address it takes
        string? current = null;
        foreach (string line in text.Split('\n'))
        {
            if (Header().Match(line) is { Success: true } h)
            {
                current = h.Groups[1].Value;
                calls[current] = [];
                taken[current] = [];
                continue;
            }
            if (current is null) continue;
            if (Call().Match(line) is { Success: true } c) calls[current].Add(c.Groups[1].Value);
            else if (Address().Match(line) is { Success: true } a) taken[current].Add(a.Groups[1].Value);
        }
        var installers = calls.Where(c => c.Value.Any(f => f is "sigaction@plt" or "signal@plt" or "sysv_signal@plt" or "bsd_signal@plt")).Select(c => c.Key);
        var handlers = installers.SelectMany(i => taken[i]).Where(f => calls.ContainsKey(f) && !CompilerRuntime.Contains(f)).Distinct();
        return handlers.ToDictionary(h => h, h => (IReadOnlyList<string>)[.. Reach(h, calls).Order(StringComparer.Ordinal)]);
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
                if (callee.EndsWith("@plt", StringComparison.Ordinal)) external.Add(CBuild.Plain(callee[..^4]));
                else if (calls.ContainsKey(callee) && seen.Add(callee)) work.Push(callee);
            }
        return external;
    }

    [GeneratedRegex(@"^[0-9a-f]+ <([^>+]+)>:$")]
    private static partial Regex Header();

    [GeneratedRegex(@"\s(?:call|jmp|j[a-z]+)q?\s+[0-9a-f]+ <([^>+]+)(?:\+0x[0-9a-f]+)?>")]
    private static partial Regex Call();

    [GeneratedRegex(@"\s(?:lea|mov)q?\s.*#\s*[0-9a-f]+ <([^>+]+)>\s*$")]
    private static partial Regex Address();
}

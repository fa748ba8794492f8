using System.Globalization;
using System.Text.RegularExpressions;

namespace VmLab.Linux;

/// <summary>What libetsbefriends decided a SIGSEGV was (its rules, in order, are in docs/friendly-segfaults.md).</summary>
public enum FaultClassification
{
    /// <summary>The address lies in the lowest 64 KiB, where Linux never maps anything.</summary>
    NullPointer,

    /// <summary>A write the page's protection refused (SEGV_ACCERR with the write bit set).</summary>
    ReadOnlyWrite,

    /// <summary>The address lies just below the interrupted stack pointer: the stack ran out.</summary>
    StackOverflow,

    /// <summary>Any other fault: an unmapped or forbidden address, or a general-protection fault.</summary>
    InvalidAccess,

    /// <summary>SIGSEGV sent with kill() or raise(): no memory fault at all.</summary>
    SentSignal,
}

/// <summary>The two lines libetsbefriends writes to stderr when it catches a fault, parsed.</summary>
/// <param name="Message">The encouraging message it chose.</param>
/// <param name="Program">The program's short name as the library saw it.</param>
/// <param name="Classification">What kind of fault it looked like.</param>
/// <param name="Address">The faulting address, or null when the kernel gave none (kill, general protection).</param>
/// <param name="Access">"read", "write", "execute", "access" (the hardware did not say), or null without an address.</param>
/// <param name="ExitStatus">The exit status the library announced.</param>
/// <param name="Notice">The fallback notice for an unusable FRIENDLY_SEGV_MESSAGES file, or null.</param>
public sealed record FriendlyFault(string Message, string Program, FaultClassification Classification, ulong? Address,
    string? Access, int ExitStatus, string? Notice)
{
    private const string Prefix = "friendly: ";

    private static readonly Regex Detail = new(
        @"^friendly: (?<prog>.*): (?<kind>null-pointer dereference|write to read-only memory|stack overflow|invalid memory access|SIGSEGV sent as a signal)(?<rest>.*); exiting with status (?<status>\d+)$",
        RegexOptions.CultureInvariant);

    private static readonly Regex AddressText = new(@", (?<access>reading|writing|executing|touching) address 0x(?<hex>[0-9a-f]+)$",
        RegexOptions.CultureInvariant);

    /// <summary>Finds the library's report in a program's stderr; null when it has none (the program did not
    /// fault, or something other than the library handled the fault).</summary>
    public static FriendlyFault? Parse(string stderr)
    {
        string[] lines = stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (int i = lines.Length - 1; i >= 1; i--)
        {
            Match m = Detail.Match(lines[i]);
            if (!m.Success || !lines[i - 1].StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            Match a = AddressText.Match(m.Groups["rest"].Value);
            string? notice = lines.Take(i - 1).LastOrDefault(l => l.StartsWith(Prefix + "FRIENDLY_SEGV_MESSAGES=", StringComparison.Ordinal));
            return new FriendlyFault(
                Message: lines[i - 1][Prefix.Length..],
                Program: m.Groups["prog"].Value,
                Classification: Classify(m.Groups["kind"].Value),
                Address: a.Success ? ulong.Parse(a.Groups["hex"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) : null,
                Access: a.Success ? AccessName(a.Groups["access"].Value) : null,
                ExitStatus: int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
                Notice: notice);
        }
        return null;
    }

    /// <summary>The words the library uses for a classification ("null-pointer dereference").</summary>
    public static string Describe(FaultClassification c) => c switch
    {
        FaultClassification.NullPointer => "null-pointer dereference",
        FaultClassification.ReadOnlyWrite => "write to read-only memory",
        FaultClassification.StackOverflow => "stack overflow",
        FaultClassification.SentSignal => "SIGSEGV sent as a signal",
        _ => "invalid memory access",
    };

    private static FaultClassification Classify(string kind) => kind switch
    {
        "null-pointer dereference" => FaultClassification.NullPointer,
        "write to read-only memory" => FaultClassification.ReadOnlyWrite,
        "stack overflow" => FaultClassification.StackOverflow,
        "SIGSEGV sent as a signal" => FaultClassification.SentSignal,
        _ => FaultClassification.InvalidAccess,
    };

    private static string AccessName(string verb) => verb switch
    {
        "reading" => "read",
        "writing" => "write",
        "executing" => "execute",
        _ => "access",
    };
}

/// <summary>One program run under libetsbefriends with its output captured.</summary>
/// <param name="Program">The resolved path that was executed.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="ExitStatus">The status as a shell reports it: the exit code, or 128 + N when signal N killed it.</param>
/// <param name="Stdout">What it wrote to stdout (the last <see cref="Friendly.CapturedChars"/> characters).</param>
/// <param name="Stderr">What it wrote to stderr (the last <see cref="Friendly.CapturedChars"/> characters).</param>
/// <param name="Fault">The library's report, or null when it reported no fault.</param>
public sealed record FriendlyRun(string Program, IReadOnlyList<string> Arguments, int ExitStatus, string Stdout,
    string Stderr, FriendlyFault? Fault)
{
    /// <summary>True when the library caught a fault and ended the program with its own exit status.</summary>
    public bool Caught => Fault is not null && ExitStatus == Friendly.FaultExitStatus;
}

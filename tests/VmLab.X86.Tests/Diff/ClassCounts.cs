using Iced.Intel;

namespace VmLab.X86.Tests.Diff;

/// <summary>
/// How often each instruction class retired in a fuzzing run, and how often each kind of fault ended a case,
/// against a floor per listed class: a generator change that stops producing a class fails the test instead
/// of silently shrinking what is checked. docs/x86.md lists the same classes (a test keeps the two equal).
/// </summary>
internal sealed class ClassCounts
{
    /// <summary>Every class the fuzzer is held to; docs/x86.md's fuzzer section lists exactly these.</summary>
    public static readonly string[] Listed =
    [
        "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "mov", "movabs", "movzx", "movsx", "movsxd",
        "lea", "not", "neg", "inc", "dec", "rol", "ror", "rcl", "rcr", "shl", "sal", "shr", "sar", "shld", "shrd",
        "mul", "imul", "imul3", "div", "idiv", "push", "pop", "cbw", "cwde", "cdqe", "cwd", "cdq", "cqo",
        "bt", "bts", "btr", "btc", "bsf", "bsr", "tzcnt", "lzcnt", "popcnt", "bswap", "xchg", "cmpxchg", "xadd",
        "clc", "stc", "cmc", "lahf", "sahf", "nop", "setcc", "cmovcc", "jcc", "jmp", "call", "ret", "jmp r", "call r",
        "movs", "stos", "lods", "cmps", "scas", "rep movs", "rep stos", "rep lods", "repe cmps", "repne cmps",
        "repe scas", "repne scas", "std", "cld",
        "#DE divide by zero", "#DE quotient overflow",
        "#PF read", "#PF write", "#PF fetch", "#PF read straddling", "#PF write straddling", "#PF fetch straddling",
    ];

    private readonly Dictionary<string, long> _counts = new();

    public long this[string cls] => _counts.GetValueOrDefault(cls);

    public void Add(string cls) => _counts[cls] = _counts.GetValueOrDefault(cls) + 1;

    /// <summary>Counts the instruction at rip in the case's code.</summary>
    public void Retired(X86Case c, ulong rip)
    {
        ulong off = rip - X86Case.CodeVa;
        if (off >= (ulong)c.Code.Length) return;
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(c.Code, (int)off, c.Code.Length - (int)off), rip);
        decoder.Decode(out Instruction ins);
        Add(Class(ins));
    }

    /// <summary>Counts how a case ended when it ended in a fault (host and VmLab agreed on it; the #DE cause is
    /// VmLab's, as Linux reports both as FPE_INTDIV). A page fault on a page boundary in a case built to
    /// straddle one counts as straddling.</summary>
    public void Ended(X86Case c, X86Outcome vmlab)
    {
        if (vmlab.Signal == X86Outcome.SigFpe)
            Add(vmlab.Cause == VmLab.Sim.Paging.FaultCause.DivideByZero ? "#DE divide by zero" : "#DE quotient overflow");
        if (vmlab.Signal != X86Outcome.SigSegv || vmlab.Vector != 14) return;
        string access = (vmlab.ErrorCode & 0x10) != 0 ? "fetch" : (vmlab.ErrorCode & 2) != 0 ? "write" : "read";
        // a fetch straddles when the page that refused is not where the instruction starts
        bool straddling = access == "fetch" ? vmlab.FaultAddress != vmlab.Rip : c.Straddles && (vmlab.FaultAddress & 0xFFF) == 0;
        Add($"#PF {access}" + (straddling ? " straddling" : ""));
    }

    /// <summary>The listed classes below their floor, as "class: count < floor".</summary>
    public List<string> BelowFloor(int sequences)
    {
        long floor = Math.Max(3, sequences / 2000);
        return [.. Listed.Where(c => this[c] < floor).Select(c => $"{c}: {this[c]} < {floor}")];
    }

    public string Table() => string.Join(", ", _counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"));

    /// <summary>The class of one instruction: its mnemonic, with conditions folded (jcc, setcc, cmovcc), the
    /// string instructions by prefix, indirect branches apart, and imul's three-operand and mov's 64-bit
    /// immediate forms named.</summary>
    public static string Class(in Instruction ins)
    {
        string m = ins.Mnemonic.ToString().ToLowerInvariant();
        if (ins.IsJccShortOrNear) return "jcc";
        if (ins.Mnemonic is >= Mnemonic.Seta and <= Mnemonic.Sets) return "setcc";
        if (ins.Mnemonic is >= Mnemonic.Cmova and <= Mnemonic.Cmovs) return "cmovcc";
        if (ins.Mnemonic is Mnemonic.Jmp or Mnemonic.Call && ins.Op0Kind != OpKind.NearBranch64) return m + " r";
        if (ins.Mnemonic == Mnemonic.Imul && ins.OpCount == 3) return "imul3";
        if (ins.Code == Code.Mov_r64_imm64) return "movabs";
        if (ins.Mnemonic is Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd or Mnemonic.Movsq) m = "movs";
        else if (ins.Mnemonic is Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd or Mnemonic.Stosq) m = "stos";
        else if (ins.Mnemonic is Mnemonic.Lodsb or Mnemonic.Lodsw or Mnemonic.Lodsd or Mnemonic.Lodsq) m = "lods";
        else if (ins.Mnemonic is Mnemonic.Cmpsb or Mnemonic.Cmpsw or Mnemonic.Cmpsd or Mnemonic.Cmpsq) m = "cmps";
        else if (ins.Mnemonic is Mnemonic.Scasb or Mnemonic.Scasw or Mnemonic.Scasd or Mnemonic.Scasq) m = "scas";
        else return m;
        bool compares = m is "cmps" or "scas";
        if (ins.HasRepePrefix) return (compares ? "repe " : "rep ") + m;
        if (ins.HasRepnePrefix) return (compares ? "repne " : "rep ") + m;
        return m;
    }
}

using Iced.Intel;

namespace VmLab.Sim.X86;

/// <summary>Assembly syntax of <see cref="X86Disassembler"/>: GNU (AT&amp;T, as objdump and gcc print it) or Intel.</summary>
public enum X86Syntax
{
    /// <summary>
    /// AT&amp;T syntax as objdump -d and gcc -S print it: source before destination, % registers, $ immediates.
    /// </summary>
    Gnu,
    /// <summary>Intel syntax as the SDM writes it: destination first, no sigils.</summary>
    Intel,
}

/// <summary>
/// One disassembled instruction: where it is, its bytes, the instruction's text, its mnemonic alone, and
/// objdump's comment for a rip-relative operand (the address reached and its symbol), or null.
/// </summary>
public sealed record X86Line(ulong Address, byte[] Bytes, string Instruction, string Mnemonic, string? Comment = null)
{
    /// <summary>The instruction as objdump prints it: the comment, if any, eight spaces after it.</summary>
    public string Text => Comment is null ? Instruction : $"{Instruction}        {Comment}";

    /// <summary>
    /// objdump's listing layout for a terminal: seven bytes a line, the rest continued on lines of their own at
    /// their addresses, and the comment two spaces after the instruction, so a line fits 80 columns; a comment
    /// that would not fit there (Intel's "QWORD PTR" operands are long) goes on the next line, under the
    /// instruction.
    /// </summary>
    public IEnumerable<string> Listing()
    {
        const int Width = 80, InstructionColumn = 34;
        var rows = Bytes.Chunk(7).Select(c => string.Join(' ', c.Select(b => b.ToString("x2")))).DefaultIfEmpty("").ToList();
        string first = $"  {Address:x8}  {rows[0],-20}  {Instruction}";
        bool fits = Comment is null || first.Length + 2 + Comment.Length <= Width;
        yield return Comment is not null && fits ? $"{first}  {Comment}" : first;
        if (!fits)
            yield return new string(' ', InstructionColumn) + Comment;
        for (int i = 1; i < rows.Count; i++)
            yield return $"  {Address + (ulong)(7 * i):x8}  {rows[i]}";
    }

    /// <summary>The <see cref="Listing"/> lines, joined.</summary>
    public override string ToString() => string.Join('\n', Listing());
}

/// <summary>A name from a program's symbol table and the address it starts at.</summary>
/// <param name="Address">Where the function or object starts.</param>
/// <param name="Name">Its name.</param>
public readonly record struct X86Symbol(ulong Address, string Name);

/// <summary>
/// The one x86-64 disassembler (trace, web view, <c>sim disasm</c>): Iced's decoder and its GNU or Intel
/// formatter, printing addresses as <c>objdump -d</c> does. A near branch or call names its target by the symbol
/// that holds it: <c>call 100020 &lt;process_main&gt;</c>, <c>jmp 100070 &lt;sys_exit+0x10&gt;</c> (both
/// syntaxes). A rip-relative memory operand keeps its encoded form, with the address it reaches in a comment:
/// <c>mov 0x2e5f(%rip),%eax        # 403010 &lt;counter&gt;</c> (Intel: <c>mov eax,DWORD PTR [rip+0x2e5f]        # 403010 &lt;counter&gt;</c>).
/// With no symbol for an address, it is plain hex, as objdump prints a stripped file: <c>call 0x100020</c>.
/// Bytes that do not decode come out as "(bad)", one byte at a time, so a listing always moves forward.
/// </summary>
public static class X86Disassembler
{
    /// <summary>
    /// Disassembles code that starts at address, at most max instructions. symbols gives the symbol at or
    /// below an address that names it (objdump's nearest preceding symbol), or null.
    /// </summary>
    public static List<X86Line> Disassemble(ReadOnlySpan<byte> code, ulong address, X86Syntax syntax = X86Syntax.Gnu,
        Func<ulong, X86Symbol?>? symbols = null, int max = int.MaxValue)
    {
        byte[] bytes = code.ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), address);
        Formatter formatter = CreateFormatter(syntax, symbols);
        var output = new ObjdumpOutput();
        var lines = new List<X86Line>();
        ulong end = address + (ulong)bytes.Length;
        while (decoder.IP < end && lines.Count < max)
        {
            ulong at = decoder.IP;
            decoder.Decode(out Instruction ins);
            int offset = (int)(at - address);
            if (ins.IsInvalid)
            {
                lines.Add(new X86Line(at, [bytes[offset]], "(bad)", "(bad)"));
                decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes, offset + 1, bytes.Length - offset - 1), at + 1);
                continue;
            }
            // objdump writes the scale whenever there is an index: (%rdx,%rax,1), [rax+rax*1]. Iced's option
            // would also write a scale (and a stray comma in AT&T) where there is none, so it is set per instruction.
            formatter.Options.AlwaysShowScale = ins.MemoryIndex != Register.None;
            // Iced's pseudo-op shortens imul $7,%rsi,%rsi to imul $7,%rsi; objdump keeps the three operands
            formatter.Options.UsePseudoOps = ins.Mnemonic != Mnemonic.Imul;
            formatter.Format(ins, output);
            string? comment = ins.IsIPRelativeMemoryOperand ? RipComment(ins.IPRelativeMemoryAddress, symbols) : null;
            byte[] insBytes = bytes[offset..(offset + ins.Length)];
            lines.Add(new X86Line(at, insBytes, ObjdumpSpelling(ins, insBytes, output.ToStringAndReset(), syntax),
                ins.Mnemonic.ToString().ToLowerInvariant(), comment));
        }
        return lines;
    }

    // Where objdump spells an instruction otherwise than Iced: movabs for a 64-bit immediate, the short form of a shift or rotate by one (D0-D3 /r:
    // `sar %rax`, `sar rax,1`), an indirect jmp or call through memory without the size suffix (`jmp *0x10(,%rdx,8)`),
    // and the prefixes gcc pads a nop with (`data16 cs nopw 0x0(%rax,%rax,1)`: each 0x66 beyond the operand-size one
    // is a data16, 0x2e is cs).
    private static string ObjdumpSpelling(in Instruction ins, byte[] bytes, string text, X86Syntax syntax)
    {
        if (ins.Code == Code.Mov_r64_imm64 && text.StartsWith("mov ", StringComparison.Ordinal))
            return "movabs " + text[4..];     // Intel syntax too: `movabs rax,0x5851f42d4c957f2d`
        if (ShiftByOne.Contains(ins.Code))
            return syntax == X86Syntax.Gnu ? text.Replace("$0x1,", "") : text.EndsWith(",0x1", StringComparison.Ordinal) ? text[..^3] + "1" : text;
        if (syntax == X86Syntax.Gnu && ins.Op0Kind == OpKind.Memory && ins.Mnemonic is Mnemonic.Jmp or Mnemonic.Call
            && text.StartsWith(ins.Mnemonic == Mnemonic.Jmp ? "jmpq *" : "callq *", StringComparison.Ordinal))
            return (ins.Mnemonic == Mnemonic.Jmp ? "jmp *" : "call *") + text[(text.IndexOf('*') + 1)..];
        if (ins.Mnemonic == Mnemonic.Nop && ins.Op0Kind == OpKind.Memory)
        {
            int i = 0, data16 = 0;
            bool cs = false;
            for (; i < bytes.Length && bytes[i] is 0x66 or 0x2E; i++)
                if (bytes[i] == 0x66) data16++;
                else cs = true;
            if (ins.Code == Code.Nop_rm16) data16--;     // the one that makes it nopw
            return string.Concat(Enumerable.Repeat("data16 ", Math.Max(0, data16))) + (cs ? "cs " : "") + text;
        }
        return text;
    }

    private static readonly HashSet<Code> ShiftByOne =
        [.. Enum.GetValues<Code>().Where(c => c.ToString() is var n && n.EndsWith("_1", StringComparison.Ordinal)
            && n.Split('_')[0] is "Rol" or "Ror" or "Rcl" or "Rcr" or "Shl" or "Sal" or "Shr" or "Sar")];

    /// <summary>The single instruction at the start of bytes (up to 15 are looked at), or "(bad)".</summary>
    public static X86Line One(ReadOnlySpan<byte> bytes, ulong address, X86Syntax syntax = X86Syntax.Gnu,
        Func<ulong, X86Symbol?>? symbols = null) =>
        Disassemble(bytes[..Math.Min(bytes.Length, 15)], address, syntax, symbols, 1) is [var line]
            ? line
            : new X86Line(address, [], "(bad)", "(bad)");

    private static Formatter CreateFormatter(X86Syntax syntax, Func<ulong, X86Symbol?>? symbols)
    {
        ISymbolResolver? resolver = symbols is null ? null : new BranchResolver(symbols);
        Formatter f = syntax == X86Syntax.Intel ? new IntelFormatter(resolver) : new GasFormatter(resolver);
        f.Options.FirstOperandCharIndex = 0;
        f.Options.SpaceAfterOperandSeparator = false;
        f.Options.HexPrefix = "0x";
        f.Options.HexSuffix = "";
        f.Options.UppercaseHex = false;
        f.Options.BranchLeadingZeros = false;
        f.Options.SmallHexNumbersInDecimal = false;   // $0x7, as objdump prints it
        f.Options.RipRelativeAddresses = true;        // 0x2e5f(%rip): the encoding; the address goes in RipComment
        f.Options.ShowSymbolAddress = false;          // ObjdumpOutput puts the address first, objdump's way
        f.Options.ShowBranchSize = false;             // objdump -M intel: jmp 100070, not jmp short
        f.Options.ShowZeroDisplacements = true;       // nopl 0x0(%rax): an encoded zero displacement is shown
        if (syntax == X86Syntax.Intel)
        {
            f.Options.MemorySizeOptions = MemorySizeOptions.Always;   // QWORD PTR on every memory operand
            f.Options.UppercaseKeywords = true;
        }
        return f;
    }

    /// <summary>objdump's comment after a rip-relative operand: the address reached and the symbol holding it.</summary>
    private static string RipComment(ulong address, Func<ulong, X86Symbol?>? symbols) =>
        symbols?.Invoke(address) is not { } s ? $"# 0x{address:x}"
        : address == s.Address ? $"# {address:x} <{s.Name}>"
        : $"# {address:x} <{s.Name}+0x{address - s.Address:x}>";

    /// <summary>
    /// Names near branch and call targets only: objdump leaves immediates and absolute memory operands as
    /// numbers even where a symbol sits, and names a rip-relative operand in its comment, not in the operand.
    /// Iced writes the offset into the symbol (<c>sys_exit+0x10</c>).
    /// </summary>
    private sealed class BranchResolver(Func<ulong, X86Symbol?> symbols) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address,
            int addressSize, out SymbolResult symbol)
        {
            bool branch = instructionOperand >= 0 && instruction.GetOpKind(instructionOperand)
                is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64;
            if (branch && symbols(address) is { } s)
            {
                symbol = new SymbolResult(s.Address, s.Name, FormatterTextKind.Function);
                return true;
            }
            symbol = default;
            return false;
        }
    }
}

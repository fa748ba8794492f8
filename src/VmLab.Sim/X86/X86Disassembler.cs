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

/// <summary>One disassembled instruction: where it is, its bytes, its text, and its mnemonic alone.</summary>
public sealed record X86Line(ulong Address, byte[] Bytes, string Text, string Mnemonic)
{
    /// <summary>"0000000000401000  48 89 e5              mov %rsp,%rbp", the objdump-like listing line.</summary>
    public override string ToString() =>
        $"{Address:x16}  {string.Join(' ', Bytes.Select(b => b.ToString("x2"))),-30} {Text}";
}

/// <summary>
/// The one x86-64 disassembler (trace, web view, <c>sim disasm</c>): Iced's decoder and its GNU or Intel
/// formatter, with optional symbol names for branch targets and addresses. Bytes that do not decode come out
/// as "(bad)", one byte at a time, so a listing always moves forward.
/// </summary>
public static class X86Disassembler
{
    /// <summary>Disassembles code that starts at address, at most max instructions.</summary>
    public static List<X86Line> Disassemble(ReadOnlySpan<byte> code, ulong address, X86Syntax syntax = X86Syntax.Gnu,
        Func<ulong, string?>? symbols = null, int max = int.MaxValue)
    {
        byte[] bytes = code.ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), address);
        Formatter formatter = CreateFormatter(syntax, symbols);
        var output = new StringOutput();
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
            formatter.Format(ins, output);
            lines.Add(new X86Line(at, bytes[offset..(offset + ins.Length)], output.ToStringAndReset(),
                ins.Mnemonic.ToString().ToLowerInvariant()));
        }
        return lines;
    }

    /// <summary>The single instruction at the start of bytes (up to 15 are looked at), or "(bad)".</summary>
    public static X86Line One(ReadOnlySpan<byte> bytes, ulong address, X86Syntax syntax = X86Syntax.Gnu,
        Func<ulong, string?>? symbols = null) =>
        Disassemble(bytes[..Math.Min(bytes.Length, 15)], address, syntax, symbols, 1) is [var line]
            ? line
            : new X86Line(address, [], "(bad)", "(bad)");

    private static Formatter CreateFormatter(X86Syntax syntax, Func<ulong, string?>? symbols)
    {
        ISymbolResolver? resolver = symbols is null ? null : new Resolver(symbols);
        Formatter f = syntax == X86Syntax.Intel ? new IntelFormatter(resolver) : new GasFormatter(resolver);
        f.Options.FirstOperandCharIndex = 0;
        f.Options.SpaceAfterOperandSeparator = false;
        f.Options.HexPrefix = "0x";
        f.Options.HexSuffix = "";
        f.Options.UppercaseHex = false;
        f.Options.BranchLeadingZeros = false;
        f.Options.SmallHexNumbersInDecimal = false;   // $0x7, as objdump prints it
        return f;
    }

    private sealed class Resolver(Func<ulong, string?> symbols) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address,
            int addressSize, out SymbolResult symbol)
        {
            if (symbols(address) is { } name)
            {
                symbol = new SymbolResult(address, name);
                return true;
            }
            symbol = default;
            return false;
        }
    }
}

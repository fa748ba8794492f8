using System.Globalization;
using System.Text;

namespace VmLab.Sim.Asm;

/// <summary>An assembly error: the file, the line, the offending token and what is wrong with it.</summary>
public sealed class AsmException(string file, int line, string token, string detail)
    : Exception($"{file}:{line}: {detail}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Token { get; } = token;

    public string Detail { get; } = detail;
}

/// <summary>One source line, split: labels, the mnemonic or directive, and its comma-separated operands.</summary>
internal sealed record SourceLine(int Number, string Text, List<string> Labels, string? Op, List<string> Operands);

/// <summary>An operand as written: a register, a memory reference [base ± disp], or an expression.</summary>
internal abstract record Operand(string Text);

internal sealed record RegOperand(string Text, int Reg) : Operand(Text);

internal sealed record MemOperand(string Text, int Base, string Disp) : Operand(Text);

internal sealed record ExprOperand(string Text) : Operand(Text);

/// <summary>The lexical layer of the assembler: comments, labels, operands, strings and expressions.</summary>
internal sealed class AsmSyntax(string file)
{
    public string File => file;

    public AsmException Error(int line, string token, string detail) => new(file, line, token, detail);

    /// <summary>Splits one line. Comments start with # or ; outside quotes.</summary>
    public SourceLine Split(int number, string raw)
    {
        string text = StripComment(raw).Trim();
        var labels = new List<string>();
        while (true)
        {
            int colon = IdentifierEnd(text);
            if (colon == 0 || colon >= text.Length || text[colon] != ':') break;
            labels.Add(text[..colon]);
            text = text[(colon + 1)..].TrimStart();
        }
        if (text.Length == 0) return new SourceLine(number, raw, labels, null, []);
        int eq = text.IndexOf('=');
        if (eq > 0 && IdentifierEnd(text) is var end && end > 0 && text[end..eq].Trim().Length == 0)
            return new SourceLine(number, raw, labels, ".equ", [text[..end], text[(eq + 1)..].Trim()]);
        int sp = 0;
        while (sp < text.Length && !char.IsWhiteSpace(text[sp])) sp++;
        string op = text[..sp].ToLowerInvariant();
        string rest = text[sp..].Trim();
        if (op == "rep")
        {
            int sp2 = 0;
            while (sp2 < rest.Length && !char.IsWhiteSpace(rest[sp2])) sp2++;
            op = "rep " + rest[..sp2].ToLowerInvariant();
            rest = rest[sp2..].Trim();
        }
        return new SourceLine(number, raw, labels, op, SplitOperands(number, rest));
    }

    private static int IdentifierEnd(string s)
    {
        if (s.Length == 0 || !(char.IsLetter(s[0]) || s[0] is '_' or '.' or '$')) return 0;
        int i = 1;
        while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.' or '$')) i++;
        return i;
    }

    public static bool IsIdentifier(string s) => s.Length > 0 && IdentifierEnd(s) == s.Length;

    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
            }
            else if (c is '"' or '\'') quote = c;
            else if (c is '#' or ';') return line[..i];
        }
        return line;
    }

    private List<string> SplitOperands(int line, string text)
    {
        var list = new List<string>();
        if (text.Length == 0) return list;
        var cur = new StringBuilder();
        char quote = '\0';
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                cur.Append(c);
                if (c == '\\' && i + 1 < text.Length) cur.Append(text[++i]);
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c is '"' or '\'') quote = c;
            else if (c is '[' or '(') depth++;
            else if (c is ']' or ')') depth--;
            if (c == ',' && depth == 0)
            {
                list.Add(cur.ToString().Trim());
                cur.Clear();
                continue;
            }
            cur.Append(c);
        }
        if (quote != '\0') throw Error(line, text, $"unterminated quote in '{text}'");
        list.Add(cur.ToString().Trim());
        foreach (string o in list)
            if (o.Length == 0) throw Error(line, text, $"empty operand in '{text}'");
        return list;
    }

    /// <summary>Classifies an operand: register name, [reg], [reg + expr], [reg - expr], or an expression.</summary>
    public Operand ParseOperand(int line, string text)
    {
        int reg = Cpu.Isa.RegisterNumber(text);
        if (reg >= 0) return new RegOperand(text, reg);
        if (!text.StartsWith('[')) return new ExprOperand(text);
        if (!text.EndsWith(']')) throw Error(line, text, $"memory operand '{text}' needs a closing ']'");
        string inner = text[1..^1].Trim();
        int end = IdentifierEnd(inner);
        int baseReg = end > 0 ? Cpu.Isa.RegisterNumber(inner[..end]) : -1;
        if (baseReg < 0)
            throw Error(line, text, $"memory operand '{text}' must start with a base register, as in [rsp + 8]");
        string rest = inner[end..].Trim();
        if (rest.Length > 0 && rest[0] is not ('+' or '-'))
            throw Error(line, text, $"memory operand '{text}': expected + or - after the register");
        return new MemOperand(text, baseReg, rest.Length == 0 ? "0" : rest);
    }

    /// <summary>Decodes a "..." string literal with C escapes (\n \t \r \0 \\ \" \' \xHH).</summary>
    public byte[] ParseString(int line, string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
            throw Error(line, text, $"expected a \"string\", got '{text}'");
        return Unescape(line, text, text[1..^1]);
    }

    private byte[] Unescape(int line, string token, string body)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            if (++i >= body.Length) throw Error(line, token, $"dangling backslash in '{token}'");
            switch (body[i])
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case '0': bytes.Add(0); break;
                case '\\' or '"' or '\'': bytes.Add((byte)body[i]); break;
                case 'x' when i + 2 < body.Length && byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte h):
                    bytes.Add(h);
                    i += 2;
                    break;
                default: throw Error(line, token, $"unknown escape '\\{body[i]}' in '{token}'");
            }
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// Evaluates an expression: numbers (decimal, 0x hex, 0b binary), 'c' characters, symbols, + - * / ~ and
    /// parentheses, in 64-bit wrap-around arithmetic. A symbol lookup returning null leaves the expression
    /// unresolved (false, with the symbol's name); syntax errors throw.
    /// </summary>
    public bool TryEvaluate(int line, string text, Func<string, ulong?> lookup, out ulong value, out string? missing)
    {
        var p = new ExprParser(this, line, text, lookup);
        value = p.Parse();
        missing = p.Missing;
        return missing is null;
    }

    private sealed class ExprParser(AsmSyntax syntax, int line, string text, Func<string, ulong?> lookup)
    {
        private int _pos;

        public string? Missing { get; private set; }

        public ulong Parse()
        {
            ulong v = Sum();
            Skip();
            if (_pos < text.Length) throw Bad($"unexpected '{text[_pos..]}' in expression '{text}'");
            return v;
        }

        private ulong Sum()
        {
            ulong v = Product();
            while (true)
            {
                Skip();
                if (Eat('+')) v += Product();
                else if (Eat('-')) v -= Product();
                else return v;
            }
        }

        private ulong Product()
        {
            ulong v = Unary();
            while (true)
            {
                Skip();
                if (Eat('*')) v *= Unary();
                else if (Eat('/'))
                {
                    ulong d = Unary();
                    if (d == 0 && Missing is null) throw Bad($"division by zero in '{text}'");
                    v = d == 0 ? 0 : (ulong)((long)v / (long)d);
                }
                else return v;
            }
        }

        private ulong Unary()
        {
            Skip();
            if (Eat('-')) return 0 - Unary();
            if (Eat('+')) return Unary();
            if (Eat('~')) return ~Unary();
            if (Eat('('))
            {
                ulong v = Sum();
                Skip();
                if (!Eat(')')) throw Bad($"missing ')' in '{text}'");
                return v;
            }
            return Atom();
        }

        private ulong Atom()
        {
            if (_pos >= text.Length) throw Bad($"expression '{text}' ends too early");
            char c = text[_pos];
            if (c == '\'')
            {
                int close = text.IndexOf('\'', _pos + (text.Length > _pos + 2 && text[_pos + 1] == '\\' ? 3 : 2));
                if (close < 0) throw Bad($"unterminated character in '{text}'");
                byte[] b = syntax.Unescape(line, text, text[(_pos + 1)..close]);
                if (b.Length != 1) throw Bad($"character literal '{text[_pos..(close + 1)]}' must be one byte");
                _pos = close + 1;
                return b[0];
            }
            int start = _pos;
            while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '_' or '.' or '$')) _pos++;
            string word = text[start.._pos];
            if (word.Length == 0) throw Bad($"unexpected '{text[start..]}' in expression '{text}'");
            if (char.IsDigit(word[0])) return Number(word);
            ulong? v = lookup(word);
            if (v is null) Missing ??= word;
            return v ?? 0;
        }

        private ulong Number(string word)
        {
            string w = word.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
            bool ok = w.StartsWith("0x") ? ulong.TryParse(w.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
                : w.StartsWith("0b") ? TryBinary(w[2..], out v)
                : ulong.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out v);
            if (!ok) throw Bad($"bad number '{word}'");
            return v;
        }

        private static bool TryBinary(string digits, out ulong v)
        {
            v = 0;
            if (digits.Length is 0 or > 64) return false;
            foreach (char d in digits)
            {
                if (d is not ('0' or '1')) return false;
                v = (v << 1) | (uint)(d - '0');
            }
            return true;
        }

        private void Skip()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private bool Eat(char c)
        {
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }
            return false;
        }

        private AsmException Bad(string detail) => syntax.Error(line, text, detail);
    }
}

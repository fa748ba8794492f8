using System.Text;

namespace VmLab.X86.Tests;

/// <summary>
/// Random C programs for the CPU's differential tests: from a seed, a program of global arrays of every integer
/// width, a handful of functions mixing the operations gcc lowers differently at each level (8- to 64-bit
/// arithmetic, signed and unsigned division, shifts and rotates, casts, compares and selects, switches, bit
/// builtins, bounded recursion, struct copies) and loops over the arrays, whose results are folded into one hash it
/// prints and exits with. Every array index is masked to its array's power-of-two length, every divisor is made odd
/// and non-negative, and every sum, difference, product and negation is made in an unsigned type (signed overflow
/// is undefined: gcc may then compile the levels to different answers), so the program means one thing at every
/// level and on any CPU that runs x86-64 correctly: a different output is the CPU's error. The same seed always
/// gives the same program.
/// </summary>
internal sealed class CProgramGenerator
{
    private static readonly (string Type, int Bits, bool Signed)[] Types =
        [("u8", 8, false), ("s8", 8, true), ("u16", 16, false), ("s16", 16, true), ("u32", 32, false), ("s32", 32, true),
         ("u64", 64, false), ("s64", 64, true)];

    private readonly Random _rng;
    private readonly StringBuilder _c = new();
    private readonly List<(string Name, string Type, int Length)> _arrays = [];
    private readonly List<string> _functions = [];
    private List<string> _locals = [];
    private int _depth, _nest;

    private CProgramGenerator(int seed) => _rng = new Random(seed);

    /// <summary>The program of one seed.</summary>
    public static string Generate(int seed) => new CProgramGenerator(seed).Program(seed);

    private string Program(int seed)
    {
        _c.AppendLine("#include \"u-lib.h\"");
        _c.AppendLine("typedef unsigned char u8; typedef signed char s8; typedef unsigned short u16; typedef short s16;");
        _c.AppendLine("typedef unsigned u32; typedef int s32; typedef unsigned long u64; typedef long s64;");
        _c.AppendLine("struct rec { u64 a; s32 b; u16 c; s8 d; u8 pad[13]; };");
        _c.AppendLine("static u64 h = 1469598103934665603UL;");
        _c.AppendLine("static void fold(u64 v) { h = (h ^ v) * 1099511628211UL; }");
        for (int i = 0; i < 5; i++)
        {
            var (type, _, _) = Types[_rng.Next(Types.Length)];
            int length = 1 << _rng.Next(4, 10);
            _arrays.Add(($"g{i}", type, length));
            _c.AppendLine($"static {type} g{i}[{length}];");
        }
        _c.AppendLine("static struct rec recs[8];");
        _c.AppendLine("__attribute__((noinline)) static u64 walk(u64 n, u64 x) { return n == 0 ? x : walk(n - 1, x * 31 + n) ^ (x >> 3); }");
        int functions = _rng.Next(2, 5);
        for (int f = 0; f < functions; f++) Function($"f{f}");
        _c.AppendLine("void process_main(void) {");
        _c.AppendLine($"    u64 s = {(uint)seed * 2654435761u + 1}UL;");
        foreach (var (name, type, length) in _arrays)
            _c.AppendLine($"    for (int i = 0; i < {length}; i++) {name}[i] = ({type})rand_next(&s);");
        _c.AppendLine("    for (int i = 0; i < 8; i++) { recs[i].a = rand_next(&s); recs[i].b = (s32)rand_next(&s); recs[i].c = (u16)i; recs[i].d = (s8)-i; }");
        _c.AppendLine($"    for (u64 r = 0; r < {_rng.Next(10, 30)}; r++) {{");
        foreach (string f in _functions) _c.AppendLine($"        fold({f}(r, rand_next(&s)));");
        _c.AppendLine("    }");
        foreach (var (name, _, length) in _arrays)
            _c.AppendLine($"    for (int i = 0; i < {length}; i++) fold((u64){name}[i]);");
        _c.AppendLine("    for (int i = 0; i < 8; i++) fold(recs[i].a ^ (u64)recs[i].b ^ recs[i].c ^ (u64)recs[i].d);");
        _c.AppendLine("    console_printf(\"%016lx\\n\", h);");
        _c.AppendLine("    sys_exit((int)(h % 97));");
        _c.AppendLine("}");
        return _c.ToString();
    }

    private void Function(string name)
    {
        _c.AppendLine($"__attribute__((noinline)) static u64 {name}(u64 a, u64 b) {{");
        _locals = ["a", "b"];
        for (int i = 0; i < 4; i++)
        {
            var (type, _, _) = Types[_rng.Next(Types.Length)];
            _c.AppendLine($"    {type} v{i} = ({type})({Expr()});");
            _locals.Add($"v{i}");
        }
        for (int i = _rng.Next(2, 4); i > 0; i--) Statement("    ", loopDepth: 0);
        _c.AppendLine($"    return {Expr()};");
        _c.AppendLine("}");
        _functions.Add(name);
    }

    private void Statement(string indent, int loopDepth)
    {
        // at most three statements deep, loops at most two deep
        int kinds = ++_nest > 3 ? 3 : loopDepth < 2 ? 7 : 5;
        switch (_rng.Next(kinds))
        {
            case 0:
                _c.AppendLine($"{indent}{Variable()} {Pick("=", "+=", "^=", "-=", "|=")} (u64)({Expr()});");
                break;
            case 1:
                // a struct copy (gcc: moves, rep movs or a memcpy call by level) and a field update
                _c.AppendLine($"{indent}recs[({Expr()}) & 7] = recs[({Expr()}) & 7];");
                _c.AppendLine($"{indent}recs[({Expr()}) & 7].{Pick("a", "b", "c", "d")} += (u64)({Expr()});");
                break;
            case 2:
            {
                var (array, type, length) = _arrays[_rng.Next(_arrays.Count)];
                _c.AppendLine($"{indent}{array}[({Expr()}) & {length - 1}] {Pick("=", "+=", "^=", "&=")} (u64)({type})({Expr()});");
                break;
            }
            case 3:
                _c.AppendLine($"{indent}if ({Expr()} {Pick("<", ">", "==", "!=", "<=")} {Expr()}) {{");
                Statement(indent + "    ", loopDepth);
                _c.AppendLine($"{indent}}} else {{");
                Statement(indent + "    ", loopDepth);
                _c.AppendLine($"{indent}}}");
                break;
            case 4:
            {
                _c.AppendLine($"{indent}switch (({Expr()}) & 7) {{");
                for (int k = 0; k < 4; k++)
                {
                    _c.AppendLine($"{indent}case {k}:");
                    Statement(indent + "    ", loopDepth);
                    if (_rng.Next(3) > 0) _c.AppendLine($"{indent}    break;");
                }
                _c.AppendLine($"{indent}default: {Variable()} ^= {Expr()};");
                _c.AppendLine($"{indent}}}");
                break;
            }
            default:
            {
                // a loop over an array: the vectorizer's and the strength reducer's favourite shape
                string i = $"i{loopDepth}";
                var (array, type, length) = _arrays[_rng.Next(_arrays.Count)];
                int count = loopDepth == 0 ? _rng.Next(8, Math.Min(length, 256) + 1) : _rng.Next(2, 17);
                _c.AppendLine($"{indent}for (int {i} = 0; {i} < {count}; {i}++) {{");
                _locals.Add(i);
                _c.AppendLine($"{indent}    {array}[{i} & {length - 1}] {Pick("+=", "^=", "=")} (u64)({type})({Expr()});");
                Statement(indent + "    ", loopDepth + 1);
                if (_rng.Next(4) == 0) _c.AppendLine($"{indent}    if ({Expr()} == 0) break;");
                _locals.Remove(i);
                _c.AppendLine($"{indent}}}");
                break;
            }
        }
        _nest--;
    }

    private string Expr()
    {
        if (_depth >= 3 || _rng.Next(3) == 0) return Leaf();
        _depth++;
        string e = _rng.Next(16) switch
        {
            0 or 1 or 2 => $"((u64)({Expr()}) {Pick("+", "-", "*", "&", "|", "^")} {Expr()})",
            3 => Narrow(),
            4 => $"((u64)({Expr()}) / ((u64)({Expr()}) | 1))",
            5 => $"((s64)({Expr()}) % (((s64)({Expr()}) & 0xffff) | 1))",
            6 => $"((s32)({Expr()}) / (((s32)({Expr()}) & 0x7fff) | 1))",
            7 => $"((u64)({Expr()}) {Pick("<<", ">>")} (({Expr()}) & 63))",
            8 => $"((s32)({Expr()}) >> (({Expr()}) & 31))",
            9 => $"(({Cast()})({Expr()}))",
            10 => $"(({Expr()}) {Pick("<", ">", "<=", ">=", "==", "!=")} ({Expr()}) ? {Expr()} : {Expr()})",
            11 => $"(({Cast()})({Expr()}) {Pick("<", ">", "<=", ">=")} ({Cast()})({Expr()}))",
            12 => Rotate(),
            13 => $"(u64){Pick("__builtin_popcountll", "__builtin_clzll", "__builtin_ctzll", "__builtin_parityll")}((u64)({Expr()}) | 1)",
            14 => $"({Pick("__builtin_bswap32((u32)", "__builtin_bswap64((u64)", "__builtin_bswap16((u16)")}({Expr()})))",
            _ => $"{Pick("-(u64)", "~", "!")}({Expr()})",
        };
        _depth--;
        return e;
    }

    /// <summary>Arithmetic on two narrow or wide values, as gcc lowers it at their width: the operands cast to their
    /// types, then to the unsigned type of the width C computes in (32 bits for anything narrower, as int).</summary>
    private string Narrow()
    {
        var (left, leftBits, _) = Types[_rng.Next(Types.Length)];
        var (right, rightBits, _) = Types[_rng.Next(Types.Length)];
        string width = Math.Max(leftBits, rightBits) <= 32 ? "u32" : "u64";
        return $"(({width})({left})({Expr()}) {Pick("+", "-", "*")} ({width})({right})({Expr()}))";
    }

    private string Rotate()
    {
        int n = _rng.Next(1, 32);
        string x = _locals[_rng.Next(_locals.Count)];
        return _rng.Next(2) == 0
            ? $"(((u64){x} << {n}) | ((u64){x} >> {64 - n}))"
            : $"(u32)(((u32){x} >> {n}) | ((u32){x} << {32 - n}))";
    }

    private string Leaf() => _rng.Next(6) switch
    {
        0 or 1 => _locals[_rng.Next(_locals.Count)],
        2 => Constant(),
        3 => $"walk({_locals[_rng.Next(_locals.Count)]} & 7, {_locals[_rng.Next(_locals.Count)]})",
        4 => $"recs[({_locals[_rng.Next(_locals.Count)]}) & 7].{Pick("a", "b", "c", "d")}",
        _ => ArrayElement(),
    };

    private string ArrayElement()
    {
        var (array, _, length) = _arrays[_rng.Next(_arrays.Count)];
        return $"{array}[({_locals[_rng.Next(_locals.Count)]}) & {length - 1}]";
    }

    private string Constant() => _rng.Next(6) switch
    {
        0 => _rng.Next(0, 10).ToString(),
        1 => $"{_rng.Next(-200, 200)}",
        2 => "0x80000000UL",
        3 => "0xffffffffUL",
        4 => "0x8000000000000000UL",
        _ => $"{(ulong)_rng.NextInt64()}UL",
    };

    // v0..v3: a loop's counter is never assigned, so every loop ends
    private string Variable() => $"v{_rng.Next(4)}";

    private string Cast() => Types[_rng.Next(Types.Length)].Type;

    private string Pick(params string[] options) => options[_rng.Next(options.Length)];
}

using VmLab.Sim.Cpu;
using VmLab.Sim.Programs;

namespace VmLab.Sim.Asm;

/// <summary>One line of an assembly listing: where it landed, the bytes it produced, and the source.</summary>
public sealed record ListingLine(int Line, SegmentKind Segment, ulong Address, byte[] Bytes, string Source);

/// <summary>What the assembler produces: the program image and its listing.</summary>
public sealed record AsmOutput(ProgramImage Image, IReadOnlyList<ListingLine> Listing);

/// <summary>
/// Text → program image, in two passes. Pass 1 splits lines, sizes every statement and places labels within
/// their section; then sections are laid out (.text at the base address, .data and .bss each on the next page
/// boundary); pass 2 evaluates operands and encodes. The entry point is .entry if given, else _start, else the
/// start of .text. Every error is an <see cref="AsmException"/> naming file, line and token.
/// </summary>
public static class Assembler
{
    /// <summary>Where .text starts unless told otherwise: 1 MiB, the WeensyOS process start address.</summary>
    public const ulong DefaultBase = 0x100000;

    public static ProgramImage Assemble(string source, string file = "<source>", ulong baseAddress = DefaultBase) =>
        AssembleWithListing(source, file, baseAddress).Image;

    public static AsmOutput AssembleWithListing(string source, string file = "<source>", ulong baseAddress = DefaultBase)
    {
        if (baseAddress % 4096 != 0) throw new ArgumentException("base address must be page-aligned", nameof(baseAddress));
        return new Pass(new AsmSyntax(file), baseAddress).Run(source);
    }

    private sealed record Item(SourceLine Src, SegmentKind Seg, ulong Offset, int Size);

    private sealed class Pass(AsmSyntax syn, ulong baseAddress)
    {
        private readonly Dictionary<string, (SegmentKind Seg, ulong Offset, int Line)> _labels = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Expr, int Line)> _equs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);
        private readonly ulong[] _size = new ulong[3];
        private readonly ulong[] _base = new ulong[3];
        private (string Expr, int Line)? _entry;

        public AsmOutput Run(string source)
        {
            var items = new List<Item>();
            var seg = SegmentKind.Text;
            string[] lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                SourceLine line = syn.Split(i + 1, lines[i]);
                foreach (string label in line.Labels) Define(label, seg, line.Number);
                if (line.Op is null) continue;
                switch (line.Op)
                {
                    case ".text": seg = SegmentKind.Text; Arity(line, 0); continue;
                    case ".data": seg = SegmentKind.Data; Arity(line, 0); continue;
                    case ".bss": seg = SegmentKind.Bss; Arity(line, 0); continue;
                    case ".equ" or ".set":
                        Arity(line, 2);
                        DefineEqu(line);
                        continue;
                    case ".entry":
                        Arity(line, 1);
                        _entry = (line.Operands[0], line.Number);
                        continue;
                    case ".global" or ".globl": continue;
                }
                int size = SizeOf(line, seg, _size[(int)seg]);
                items.Add(new Item(line, seg, _size[(int)seg], size));
                _size[(int)seg] += (ulong)size;
            }
            _base[0] = baseAddress;
            _base[1] = PageUp(_base[0] + _size[0]);
            _base[2] = PageUp(_base[1] + _size[1]);

            var bytes = new[] { new byte[_size[0]], new byte[_size[1]] };
            var listing = new List<ListingLine>();
            foreach (var item in items)
            {
                byte[] code = Encode(item);
                if (item.Seg != SegmentKind.Bss) code.CopyTo(bytes[(int)item.Seg], (int)item.Offset);
                listing.Add(new ListingLine(item.Src.Number, item.Seg, _base[(int)item.Seg] + item.Offset, code, item.Src.Text));
            }
            var segments = new List<Segment>();
            for (int k = 0; k < 3; k++)
                if (_size[k] > 0)
                    segments.Add(new Segment((SegmentKind)k, _base[k], k < 2 ? bytes[k] : [], _size[k]));
            var symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var (name, l) in _labels) symbols[name] = _base[(int)l.Seg] + l.Offset;
            foreach (var (name, e) in _equs) symbols[name] = Eval(e.Line, e.Expr);
            ulong entry = _entry is { } en ? Eval(en.Line, en.Expr)
                : _labels.ContainsKey("_start") ? symbols["_start"] : _base[0];
            return new AsmOutput(new ProgramImage(segments, entry, symbols), listing);
        }

        private static ulong PageUp(ulong a) => (a + 4095) & ~4095UL;

        private void Define(string label, SegmentKind seg, int line)
        {
            if (_labels.ContainsKey(label) || _equs.ContainsKey(label))
                throw syn.Error(line, label, $"'{label}' is already defined");
            if (Isa.RegisterNumber(label) >= 0)
                throw syn.Error(line, label, $"'{label}' is a register name");
            _labels[label] = (seg, _size[(int)seg], line);
        }

        private void DefineEqu(SourceLine line)
        {
            string name = line.Operands[0];
            if (!AsmSyntax.IsIdentifier(name)) throw syn.Error(line.Number, name, $"'{name}' is not a valid name");
            if (_labels.ContainsKey(name) || _equs.ContainsKey(name) || Isa.RegisterNumber(name) >= 0)
                throw syn.Error(line.Number, name, $"'{name}' is already defined");
            _equs[name] = (line.Operands[1], line.Number);
        }

        private void Arity(SourceLine line, int n)
        {
            if (line.Operands.Count != n)
                throw syn.Error(line.Number, line.Op!, $"'{line.Op}' takes {n} operand{(n == 1 ? "" : "s")}, got {line.Operands.Count}");
        }

        /// <summary>Pass 1: how many bytes a statement occupies.</summary>
        private int SizeOf(SourceLine line, SegmentKind seg, ulong offset)
        {
            string op = line.Op!;
            if (seg == SegmentKind.Bss && op is not (".zero" or ".space" or ".align"))
                throw syn.Error(line.Number, op, $"'{op}' cannot go in .bss (only .zero and .align: bss has no bytes)");
            switch (op)
            {
                case ".byte": return Count(line, 1);
                case ".short" or ".word": return Count(line, 2);
                case ".long" or ".int": return Count(line, 4);
                case ".quad": return Count(line, 8);
                case ".ascii": Arity(line, 1); return syn.ParseString(line.Number, line.Operands[0]).Length;
                case ".asciz" or ".string": Arity(line, 1); return syn.ParseString(line.Number, line.Operands[0]).Length + 1;
                case ".zero" or ".space":
                    Arity(line, 1);
                    // No machine that runs these programs holds more (the flat machine's memory is the limit).
                    return (int)Constant(line, line.Operands[0], FlatRunner.MaxMemory);
                case ".align":
                {
                    Arity(line, 1);
                    ulong n = Constant(line, line.Operands[0], 4096);
                    if (n == 0 || (n & (n - 1)) != 0) throw syn.Error(line.Number, line.Operands[0], $".align needs a power of two, got '{line.Operands[0]}'");
                    return (int)((n - offset % n) % n);
                }
            }
            if (op.StartsWith('.')) throw syn.Error(line.Number, op, $"unknown directive '{op}'");
            if (seg != SegmentKind.Text) throw syn.Error(line.Number, op, $"instruction '{op}' outside .text");
            if (offset % Isa.SlotSize != 0)
                throw syn.Error(line.Number, op, $"instruction '{op}' at an offset that is not a multiple of 8 (add .align 8)");
            return Isa.Length(Choose(line));
        }

        private int Count(SourceLine line, int each)
        {
            if (line.Operands.Count == 0) throw syn.Error(line.Number, line.Op!, $"'{line.Op}' needs at least one value");
            return line.Operands.Count * each;
        }

        private ulong Constant(SourceLine line, string expr, ulong max)
        {
            if (!syn.TryEvaluate(line.Number, expr, name => _equs.ContainsKey(name) ? TryEqu(name) : null, out ulong v, out string? missing))
                throw syn.Error(line.Number, missing!, $"'{line.Op}' needs a constant; '{missing}' is not one (yet)");
            if (v > max) throw syn.Error(line.Number, expr, $"'{line.Op} {expr}' is too large (at most {max})");
            return v;
        }

        private ulong? TryEqu(string name)
        {
            var (expr, line) = _equs[name];
            if (!_evaluating.Add(name)) throw syn.Error(line, name, $"'{name}' is defined in terms of itself");
            try
            {
                return syn.TryEvaluate(line, expr, n => _equs.ContainsKey(n) ? TryEqu(n) : null, out ulong v, out _) ? v : null;
            }
            finally { _evaluating.Remove(name); }
        }

        /// <summary>Pass 2 symbol lookup: labels at their final address, constants, or an error.</summary>
        private ulong Eval(int line, string expr)
        {
            if (!syn.TryEvaluate(line, expr, Lookup, out ulong v, out string? missing))
                throw syn.Error(line, missing!, $"undefined symbol '{missing}'");
            return v;
        }

        private ulong? Lookup(string name)
        {
            if (_labels.TryGetValue(name, out var l)) return _base[(int)l.Seg] + l.Offset;
            if (!_equs.TryGetValue(name, out var e)) return null;
            if (!_evaluating.Add(name)) throw syn.Error(e.Line, name, $"'{name}' is defined in terms of itself");
            try { return Eval(e.Line, e.Expr); }
            finally { _evaluating.Remove(name); }
        }

        /// <summary>Picks the opcode from the mnemonic and the operand shapes.</summary>
        private Opcode Choose(SourceLine line)
        {
            string op = line.Op!;
            var candidates = Isa.ByMnemonic(op);
            if (candidates.Count == 0) throw syn.Error(line.Number, op, $"unknown instruction '{op}'");
            var ops = line.Operands.Select(o => syn.ParseOperand(line.Number, o)).ToList();
            Format shape = ops switch
            {
                [] => Format.Bare,
                [RegOperand] => Format.Reg,
                [ExprOperand] => Format.Branch,
                [RegOperand, RegOperand] => Format.RegReg,
                [RegOperand, ExprOperand] => Format.RegImm,
                [RegOperand, MemOperand] => Format.Load,
                [MemOperand, RegOperand] => Format.Store,
                _ => Format.None,
            };
            if (op == "mov" && shape == Format.RegImm && NeedsWide(line)) return Opcode.Movabs;
            if (op == "movabs" && shape == Format.RegImm) return Opcode.Movabs;
            foreach (var c in candidates)
                if (Isa.FormatOf(c) == shape) return c;
            string want = string.Join(" | ", candidates.Select(c => Describe(Isa.FormatOf(c))));
            throw syn.Error(line.Number, op, $"'{op}' cannot take '{string.Join(", ", line.Operands)}' (it takes {want})");
        }

        /// <summary>mov reg, constant: the 16-byte form when the constant needs more than 32 signed bits.</summary>
        private bool NeedsWide(SourceLine line) =>
            syn.TryEvaluate(line.Number, line.Operands[1], name => _equs.ContainsKey(name) ? TryEqu(name) : null, out ulong v, out _)
            && !FitsImm32(v);

        private static bool FitsImm32(ulong v) => (long)v is >= int.MinValue and <= int.MaxValue;

        private static string Describe(Format f) => f switch
        {
            Format.Bare => "no operands",
            Format.Reg => "reg",
            Format.RegReg => "reg, reg",
            Format.RegImm => "reg, imm32",
            Format.RegImm64 => "reg, imm64",
            Format.Load => "reg, [reg ± disp]",
            Format.Store => "[reg ± disp], reg",
            _ => "target",
        };

        /// <summary>Pass 2: the bytes of one statement.</summary>
        private byte[] Encode(Item item)
        {
            SourceLine line = item.Src;
            int n = line.Number;
            switch (line.Op)
            {
                case ".byte": return Values(line, 1);
                case ".short" or ".word": return Values(line, 2);
                case ".long" or ".int": return Values(line, 4);
                case ".quad": return Values(line, 8);
                case ".ascii": return syn.ParseString(n, line.Operands[0]);
                case ".asciz" or ".string": return [.. syn.ParseString(n, line.Operands[0]), 0];
                case ".zero" or ".space": return new byte[item.Size];
                case ".align":
                    return item.Seg == SegmentKind.Text && item.Size % 8 == 0 && item.Offset % 8 == 0
                        ? Enumerable.Repeat(BitConverter.GetBytes(Isa.Encode(Opcode.Nop)), item.Size / 8).SelectMany(b => b).ToArray()
                        : new byte[item.Size];
            }
            Opcode op = Choose(line);
            var ops = line.Operands.Select(o => syn.ParseOperand(n, o)).ToList();
            ulong address = _base[0] + item.Offset;
            ulong slot = Isa.FormatOf(op) switch
            {
                Format.Bare => Isa.Encode(op),
                Format.Reg => Isa.Encode(op, ((RegOperand)ops[0]).Reg),
                Format.RegReg => Isa.Encode(op, ((RegOperand)ops[0]).Reg, ((RegOperand)ops[1]).Reg),
                Format.RegImm => Isa.Encode(op, ((RegOperand)ops[0]).Reg, 0, Imm32(n, ops[1].Text, Eval(n, ops[1].Text))),
                Format.RegImm64 => Isa.Encode(op, ((RegOperand)ops[0]).Reg),
                Format.Load => Isa.Encode(op, ((RegOperand)ops[0]).Reg, ((MemOperand)ops[1]).Base, Disp(n, (MemOperand)ops[1])),
                Format.Store => Isa.Encode(op, ((RegOperand)ops[1]).Reg, ((MemOperand)ops[0]).Base, Disp(n, (MemOperand)ops[0])),
                _ => Isa.Encode(op, 0, 0, Imm32(n, ops[0].Text, Eval(n, ops[0].Text) - (address + Isa.SlotSize), "branch target")),
            };
            return op == Opcode.Movabs
                ? [.. BitConverter.GetBytes(slot), .. BitConverter.GetBytes(Eval(n, ops[1].Text))]
                : BitConverter.GetBytes(slot);
        }

        private int Disp(int line, MemOperand m) => Imm32(line, m.Text, Eval(line, m.Disp), "displacement");

        private int Imm32(int line, string token, ulong v, string what = "immediate")
        {
            if (!FitsImm32(v))
                throw syn.Error(line, token, $"{what} '{token}' does not fit in 32 signed bits" +
                                             (what == "immediate" ? " (load it with movabs)" : ""));
            return (int)(long)v;
        }

        private byte[] Values(SourceLine line, int each)
        {
            var result = new byte[line.Operands.Count * each];
            for (int i = 0; i < line.Operands.Count; i++)
            {
                ulong v = Eval(line.Number, line.Operands[i]);
                if (each < 8 && (v >> (each * 8)) != 0 && !((long)v < 0 && (long)v >= -(1L << (each * 8 - 1))))
                    throw syn.Error(line.Number, line.Operands[i], $"value '{line.Operands[i]}' does not fit in {each} byte{(each == 1 ? "" : "s")}");
                BitConverter.GetBytes(v).AsSpan(0, each).CopyTo(result.AsSpan(i * each));
            }
            return result;
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Asm;

/// <summary>One disassembled unit: an instruction, or data shown as directives.</summary>
public sealed record DisasmLine(ulong Address, byte[] Bytes, string Text, string? Label);

/// <summary>
/// Machine code → assembler text. The output reassembles to the same bytes: numbers are printed so the
/// assembler picks the same encoding, and branch targets are absolute addresses (labels only in comments).
/// Anything that is not a valid instruction is shown as <c>.quad</c>.
/// </summary>
public static class Disassembler
{
    /// <summary>Formats the instruction in slot (next = the following slot, for movabs); returns its length.</summary>
    public static (string Text, int Length) Decode(ulong slot, ulong? next, ulong address, Func<ulong, string?>? labelAt = null)
    {
        var op = (Opcode)(byte)slot;
        if (!Isa.IsValid(slot) || (op == Opcode.Movabs && next is null))
            return ($".quad 0x{slot:x16}", 8);
        string m = Isa.Mnemonic(op)!;
        string a = Isa.RegisterNames[(int)(slot >> 8) & 15];
        string b = Isa.RegisterNames[(int)(slot >> 12) & 15];
        long imm = (int)(slot >> 32);
        string text = Isa.FormatOf(op) switch
        {
            Format.Bare => m,
            Format.Reg => $"{m} {a}",
            Format.RegReg => $"{m} {a}, {b}",
            Format.RegImm => WithLabel($"{m} {a}, {Number(imm)}", (ulong)imm, labelAt),
            Format.RegImm64 => WithLabel($"{m} {a}, 0x{next!.Value:x}", next!.Value, labelAt),
            Format.Load => $"{m} {a}, {Mem(b, imm)}",
            Format.Store => $"{m} {Mem(b, imm)}, {a}",
            _ => Target(m, address + Isa.SlotSize + (ulong)imm, labelAt),
        };
        return (text, Isa.Length(op));
    }

    /// <summary>Formats the instruction at the start of code (little-endian bytes at address).</summary>
    public static (string Text, int Length) Decode(ReadOnlySpan<byte> code, ulong address, Func<ulong, string?>? labelAt = null)
    {
        if (code.Length < 8)
            return ($".byte {string.Join(", ", code.ToArray().Select(x => $"0x{x:x2}"))}", code.Length);
        ulong slot = BinaryPrimitives.ReadUInt64LittleEndian(code);
        ulong? next = code.Length >= 16 ? BinaryPrimitives.ReadUInt64LittleEndian(code[8..]) : null;
        return Decode(slot, next, address, labelAt);
    }

    private static string Number(long v) => v is > -4096 and < 4096 ? v.ToString() : v < 0 ? $"-0x{-v:x}" : $"0x{v:x}";

    private static string Mem(string reg, long disp) =>
        disp == 0 ? $"[{reg}]" : disp > 0 ? $"[{reg} + {Number(disp)}]" : $"[{reg} - {Number(-disp)}]";

    private static string Target(string m, ulong target, Func<ulong, string?>? labelAt) =>
        WithLabel($"{m} 0x{target:x}", target, labelAt);

    /// <summary>Names the address in a comment when it is a label ("mov rsi, 0x101000   # msg").</summary>
    private static string WithLabel(string text, ulong value, Func<ulong, string?>? labelAt) =>
        value >= 4096 && labelAt?.Invoke(value) is { } label ? $"{text}   # {label}" : text;

    /// <summary>The bytes as a comment when they look like text ("   # \"Hello\""), else nothing.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte x in bytes)
        {
            if (x == '\n') sb.Append("\\n");
            else if (x >= 0x20 && x < 0x7F) sb.Append((char)x);
            else return "";
        }
        return $"   # \"{sb}\"";
    }

    /// <summary>The whole image: instructions of .text, bytes of .data (16 a line), the size of .bss.</summary>
    public static IEnumerable<DisasmLine> Disassemble(ProgramImage image)
    {
        foreach (var seg in image.Segments)
        {
            ulong at = seg.Address;
            if (seg.Kind == SegmentKind.Bss)
            {
                yield return new DisasmLine(at, [], $".zero {seg.MemorySize}", image.LabelAt(at));
                continue;
            }
            int i = 0;
            while (i < seg.Bytes.Length)
            {
                ulong addr = seg.Address + (ulong)i;
                int len;
                string text;
                if (seg.Kind == SegmentKind.Text)
                    (text, len) = Decode(seg.Bytes.AsSpan(i), addr, image.LabelAt);
                else
                {
                    len = Math.Min(16, seg.Bytes.Length - i);
                    for (int k = 1; k < len; k++)
                        if (image.LabelAt(addr + (ulong)k) is not null) { len = k; break; }
                    text = ".byte " + string.Join(", ", seg.Bytes.AsSpan(i, len).ToArray().Select(x => $"0x{x:x2}")) + Printable(seg.Bytes.AsSpan(i, len));
                }
                yield return new DisasmLine(addr, seg.Bytes[i..(i + len)], text, image.LabelAt(addr));
                i += len;
            }
            if ((ulong)seg.Bytes.Length < seg.MemorySize)
                yield return new DisasmLine(seg.Address + (ulong)seg.Bytes.Length, [], $".zero {seg.MemorySize - (ulong)seg.Bytes.Length}", null);
        }
    }

    /// <summary>Assembler source for the image: assembling it at the image's first address gives the same bytes
    /// and entry point. Labels appear as comments.</summary>
    public static string ToSource(ProgramImage image)
    {
        var sb = new StringBuilder();
        sb.AppendLine($".entry 0x{image.Entry:x}");
        SegmentKind? current = null;
        foreach (var line in Disassemble(image))
        {
            var seg = image.Segments.First(s => line.Address >= s.Address && line.Address <= s.End);
            if (current != seg.Kind)
            {
                current = seg.Kind;
                sb.AppendLine(seg.Kind switch { SegmentKind.Text => ".text", SegmentKind.Data => ".data", _ => ".bss" });
            }
            if (line.Label is not null) sb.AppendLine($"# {line.Label}:");
            sb.AppendLine($"    {line.Text}");
        }
        return sb.ToString();
    }
}

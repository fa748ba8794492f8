using System.Text;
using VmLab.Sim.Text;
using static VmLab.Sim.Elf.ElfLoader;

namespace VmLab.Sim.Elf;

/// <summary>
/// The names in an ELF file's symbol table (.symtab), for traces, listings and exercises that look up an
/// address by name (bigdata's `message`). A stripped file has none; a section table that runs past the end
/// of the file is a truncated file.
/// </summary>
internal static class ElfSymbols
{
    private const int ShEntSize = 64, SymSize = 24, MaxSections = 4096;
    private const uint ShtSymtab = 2;

    /// <summary>Limits that keep a crafted file to milliseconds and megabytes: the longest name (C++ and Rust
    /// mangled names stay well under it), all names together, symbols over all tables, and symbol tables (a
    /// linker writes one).</summary>
    public const int MaxNameBytes = 4096, MaxNameTotal = 4 << 20, MaxSymbols = 1 << 20, MaxTables = 16;

    public static Dictionary<string, ulong> Read(ReadOnlySpan<byte> elf)
    {
        var symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
        ulong shoff = U64(elf, 40);
        int shentsize = U16(elf, 58), shnum = U16(elf, 60);
        if (shoff == 0 || shnum == 0) return symbols;
        if (shentsize != ShEntSize) throw Bad($"section header size {shentsize}, expected {ShEntSize}");
        if (shnum > MaxSections) throw Bad($"{shnum} sections (at most {MaxSections})");
        if (shoff > (ulong)elf.Length || (ulong)elf.Length - shoff < (ulong)(shnum * ShEntSize))
            throw Bad($"truncated: {shnum} section headers at offset 0x{shoff:x} run past the end of the file ({elf.Length} bytes)");
        var seen = new HashSet<(ulong Offset, ulong Size, uint Link)>();
        var budget = new Budget();
        for (int s = 0; s < shnum; s++)
        {
            var sh = Section(elf, shoff, s);
            if (U32(sh, 4) != ShtSymtab) continue;
            uint link = U32(sh, 40);
            if (link >= shnum) throw Bad($"symbol table {s} names string table {link}, which does not exist");
            if (!seen.Add((U64(sh, 24), U64(sh, 32), link))) continue;      // the same table twice: read once
            if (seen.Count > MaxTables) throw Bad($"more than {MaxTables} symbol tables");
            ReadTable(Contents(elf, sh, s), Contents(elf, Section(elf, shoff, (int)link), (int)link), s, symbols, budget);
        }
        return symbols;
    }

    private sealed class Budget
    {
        public long Symbols, NameBytes;
    }

    private static void ReadTable(ReadOnlySpan<byte> table, ReadOnlySpan<byte> strings, int index,
        Dictionary<string, ulong> symbols, Budget budget)
    {
        int count = table.Length / SymSize;
        if ((budget.Symbols += count) > MaxSymbols)
            throw Bad($"more than {MaxSymbols} symbols");
        for (int i = 1; i < count; i++)
        {
            var sym = table.Slice(i * SymSize, SymSize);
            uint nameAt = U32(sym, 0);
            int type = sym[4] & 0xf;
            ushort shndx = U16(sym, 6);
            if (nameAt == 0 || nameAt >= strings.Length || shndx == 0 || type > 2) continue;   // NOTYPE, OBJECT, FUNC
            var rest = strings[(int)nameAt..];
            int nul = rest[..Math.Min(rest.Length, MaxNameBytes + 1)].IndexOf((byte)0);
            if (nul < 0)
                throw Bad(rest.Length > MaxNameBytes
                    ? $"symbol {i} of section {index} has a name longer than {MaxNameBytes} bytes"
                    : $"symbol {i} of section {index} has a name that runs off the end of its string table");
            if ((budget.NameBytes += nul) > MaxNameTotal)
                throw Bad($"symbol names add up to more than {MaxNameTotal >> 20} MiB");
            // a name that would set a terminal's title or clear its screen is kept escaped
            string name = Printable.Line(Encoding.UTF8.GetString(rest[..nul]));
            if (name.Length > 0) symbols.TryAdd(name, U64(sym, 8));
        }
    }

    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> elf, ulong shoff, int index) =>
        elf.Slice((int)shoff + index * ShEntSize, ShEntSize);

    private static ReadOnlySpan<byte> Contents(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> sh, int index)
    {
        ulong offset = U64(sh, 24), size = U64(sh, 32);
        if (offset > (ulong)elf.Length || (ulong)elf.Length - offset < size)
            throw Bad($"truncated: section {index} at offset 0x{offset:x} runs past the end of the file ({elf.Length} bytes)");
        return elf.Slice((int)offset, (int)size);
    }
}

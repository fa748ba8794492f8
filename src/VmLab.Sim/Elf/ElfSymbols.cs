using System.Text;
using static VmLab.Sim.Elf.ElfLoader;

namespace VmLab.Sim.Elf;

/// <summary>
/// The names in an ELF file's symbol table (.symtab), for traces, listings and exercises that look up an
/// address by name (bigdata's `message`). A stripped file has none; a section table that runs past the end
/// of the file is a truncated file.
/// </summary>
internal static class ElfSymbols
{
    private const int ShEntSize = 64, SymSize = 24, MaxSections = 4096, MaxSymbols = 1 << 20;
    private const uint ShtSymtab = 2;

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
        for (int s = 0; s < shnum; s++)
        {
            var sh = Section(elf, shoff, s);
            if (U32(sh, 4) != ShtSymtab) continue;
            uint link = U32(sh, 40);
            if (link >= shnum) throw Bad($"symbol table {s} names string table {link}, which does not exist");
            var table = Contents(elf, sh, s);
            var strings = Contents(elf, Section(elf, shoff, (int)link), (int)link);
            int count = Math.Min(table.Length / SymSize, MaxSymbols);
            for (int i = 1; i < count; i++)
            {
                var sym = table.Slice(i * SymSize, SymSize);
                uint nameAt = U32(sym, 0);
                int type = sym[4] & 0xf;
                ushort shndx = U16(sym, 6);
                if (nameAt == 0 || nameAt >= strings.Length || shndx == 0 || type > 2) continue;   // NOTYPE, OBJECT, FUNC
                var rest = strings[(int)nameAt..];
                int nul = rest.IndexOf((byte)0);
                string name = Encoding.UTF8.GetString(nul < 0 ? rest : rest[..nul]);
                if (name.Length > 0) symbols.TryAdd(name, U64(sym, 8));
            }
        }
        return symbols;
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

using System.Buffers.Binary;
using static VmLab.Sim.Machine.MachineLayout;

namespace VmLab.Sim.Elf;

/// <summary>
/// Reads a static x86-64 ELF executable into a <see cref="ProgramImage"/> the kernel's process_setup maps like
/// any other program: each PT_LOAD segment becomes a segment (executable ones text, writable ones data or bss),
/// the ELF entry becomes the entry, and the symbol table (when there is one) names addresses for traces.
/// A tiny reader rather than a library: a static program needs only the file header, the program headers and
/// the symbol table, and every field it reads is checked against the file's length and the machine's layout
/// before anything is allocated. A bad file is an <see cref="InvalidDataException"/> with one line saying why.
/// </summary>
public static class ElfLoader
{
    /// <summary>Largest file the loader reads: far above any program that fits in user space.</summary>
    public const int MaxFileSize = 16 << 20;

    /// <summary>Lowest and highest address a program's segments may use: user space below the stack page.</summary>
    public const ulong LowestAddress = ProcStartAddr, HighestAddress = StackPage;

    private const int EhSize = 64, PhEntSize = 56, MaxHeaders = 64;
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3, PtTls = 7;
    private const uint PfX = 1, PfW = 2;

    /// <summary>True when the bytes start with the ELF magic (\x7fELF).</summary>
    public static bool IsElf(ReadOnlySpan<byte> bytes) => bytes.Length >= 4 && bytes[0] == 0x7f && bytes[1..4].SequenceEqual("ELF"u8);

    /// <summary>The program in an ELF file, or an <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static ProgramImage Load(ReadOnlySpan<byte> elf)
    {
        if (elf.Length > MaxFileSize) throw Bad($"file is too big ({elf.Length} bytes; at most {MaxFileSize >> 20} MiB)");
        if (elf.Length >= 4 && !IsElf(elf)) throw Bad("not an ELF file (no \\x7fELF magic at the start)");
        if (elf.Length < EhSize) throw Bad($"truncated: {elf.Length} bytes, an ELF header alone is {EhSize}");
        if (elf[4] != 2) throw Bad(elf[4] == 1 ? "a 32-bit ELF file (ELFCLASS32); VmLab runs 64-bit x86-64 programs" : $"unknown ELF class {elf[4]}");
        if (elf[5] != 1) throw Bad(elf[5] == 2 ? "a big-endian ELF file; x86-64 programs are little-endian" : $"unknown ELF data encoding {elf[5]}");
        if (elf[6] != 1) throw Bad($"unknown ELF version {elf[6]}");
        ushort type = U16(elf, 16), machine = U16(elf, 18);
        if (machine != 62) throw Bad($"built for {MachineName(machine)}, not x86-64 (e_machine {machine}, EM_X86_64 is 62)");
        if (type != 2) throw Bad(TypeProblem(type));
        ulong entry = U64(elf, 24), phoff = U64(elf, 32);
        int phentsize = U16(elf, 54), phnum = U16(elf, 56);
        if (phnum == 0) throw Bad("no program headers: nothing to load");
        if (phnum > MaxHeaders) throw Bad($"{phnum} program headers (at most {MaxHeaders})");
        if (phentsize != PhEntSize) throw Bad($"program header size {phentsize}, expected {PhEntSize}");
        if (phoff > (ulong)elf.Length || (ulong)elf.Length - phoff < (ulong)(phnum * PhEntSize))
            throw Bad($"truncated: {phnum} program headers at offset 0x{phoff:x} run past the end of the file ({elf.Length} bytes)");

        // An array of a struct of this assembly, sorted by hand: List and LINQ over a tuple type are generic code that
        // no precompiled image holds, JIT-compiled at every start.
        var loads = new LoadSegment[phnum];
        int count = 0;
        for (int i = 0; i < phnum; i++)
        {
            var ph = elf.Slice((int)phoff + i * PhEntSize, PhEntSize);
            uint ptype = U32(ph, 0), flags = U32(ph, 4);
            ulong offset = U64(ph, 8), va = U64(ph, 16), filesz = U64(ph, 32), memsz = U64(ph, 40);
            if (ptype is PtInterp or PtDynamic) throw Bad("dynamically linked (PT_INTERP/PT_DYNAMIC): VmLab loads static programs (link with -static)");
            if (ptype == PtTls && memsz > 0) throw Bad("uses thread-local storage (PT_TLS), which VmLab's kernel does not provide");
            if (ptype != PtLoad) continue;
            if (filesz > memsz) throw Bad($"segment {i}: file size 0x{filesz:x} is larger than its memory size 0x{memsz:x}");
            if (memsz > HighestAddress - LowestAddress)
                throw Bad($"segment {i}: huge (0x{memsz:x} bytes; user program space is 0x{HighestAddress - LowestAddress:x} bytes)");
            if (offset > (ulong)elf.Length || (ulong)elf.Length - offset < filesz)
                throw Bad($"truncated: segment {i}'s 0x{filesz:x} bytes at offset 0x{offset:x} run past the end of the file ({elf.Length} bytes)");
            if (memsz == 0) continue;
            ulong end = va + memsz;
            if (va < LowestAddress)
                throw Bad($"segment {i} at 0x{va:x}-0x{end:x} is in the kernel's range [0, 0x{ProcStartAddr:x}); user programs start at 0x{ProcStartAddr:x}");
            if (va > HighestAddress || end > HighestAddress)
                throw Bad($"segment {i} at 0x{va:x}-0x{end:x} is outside user program space [0x{LowestAddress:x}, 0x{HighestAddress:x}) (the stack page and above are the kernel's to map)");
            if ((flags & (PfW | PfX)) == (PfW | PfX))
                throw Bad($"segment {i} at 0x{va:x} is writable and executable; the kernel maps data no-execute (W^X)");
            loads[count++] = new LoadSegment(i, flags, va, offset, filesz, memsz);
        }
        if (count == 0) throw Bad("no loadable (PT_LOAD) segments");

        // Each page has one set of permissions: segments may not share a page, let alone overlap.
        // By address, ties in header order (an insertion sort is stable; a program has a handful of segments).
        var byAddress = loads.AsSpan(0, count);
        for (int i = 1; i < byAddress.Length; i++)
            for (int j = i; j > 0 && byAddress[j - 1].Va > byAddress[j].Va; j--)
                (byAddress[j - 1], byAddress[j]) = (byAddress[j], byAddress[j - 1]);
        for (int i = 1; i < byAddress.Length; i++)
        {
            var (a, b) = (byAddress[i - 1], byAddress[i]);
            if (PageUp(a.Va + a.MemSize) > PageDown(b.Va))
                throw Bad($"segments {a.Index} (0x{a.Va:x}-0x{a.Va + a.MemSize:x}) and {b.Index} (0x{b.Va:x}-0x{b.Va + b.MemSize:x}) overlap or share a page");
        }
        bool entryInText = false;
        foreach (var l in byAddress) entryInText |= (l.Flags & PfX) != 0 && entry >= l.Va && entry < l.Va + l.MemSize;
        if (!entryInText)
            throw Bad($"entry point 0x{entry:x} is not inside an executable segment");

        var segments = new List<Segment>();
        foreach (var l in byAddress)
        {
            // Segments start on a page boundary; a segment that does not is padded with zeros in front.
            ulong start = PageDown(l.Va), lead = l.Va - start;
            var bytes = l.FileSize == 0 ? [] : new byte[(int)(lead + l.FileSize)];
            if (l.FileSize > 0) elf.Slice((int)l.Offset, (int)l.FileSize).CopyTo(bytes.AsSpan((int)lead));
            var kind = (l.Flags & PfX) != 0 ? SegmentKind.Text
                : (l.Flags & PfW) == 0 ? SegmentKind.Text      // read-only data maps like text: read-only
                : l.FileSize == 0 ? SegmentKind.Bss : SegmentKind.Data;
            segments.Add(new Segment(kind, start, bytes, lead + l.MemSize));
        }
        return new ProgramImage(segments, entry, ElfSymbols.Read(elf));
    }

    private readonly record struct LoadSegment(int Index, uint Flags, ulong Va, ulong Offset, ulong FileSize, ulong MemSize);

    /// <summary>Like <see cref="Load"/>, without the exception: the error line, or null with the image.</summary>
    public static string? TryLoad(ReadOnlySpan<byte> elf, out ProgramImage? image)
    {
        try
        {
            image = Load(elf);
            return null;
        }
        catch (InvalidDataException e)
        {
            image = null;
            return e.Message;
        }
    }

    private static string TypeProblem(ushort type) => type switch
    {
        1 => "a relocatable object file (ET_REL), not an executable: link it (vmlab sim cc does)",
        3 => "a shared object or position-independent executable (ET_DYN): link with -static -no-pie",
        4 => "a core dump (ET_CORE), not an executable",
        _ => $"not an executable (e_type {type}, ET_EXEC is 2)",
    };

    private static string MachineName(ushort machine) => machine switch
    {
        3 => "32-bit x86 (EM_386)",
        40 => "ARM (EM_ARM)",
        183 => "AArch64 (EM_AARCH64)",
        243 => "RISC-V (EM_RISCV)",
        _ => $"machine {machine}",
    };

    internal static InvalidDataException Bad(string why) => new("elf: " + why);

    private static ulong PageDown(ulong a) => a & ~(PageSize - 1);

    private static ulong PageUp(ulong a) => (a + PageSize - 1) & ~(PageSize - 1);

    internal static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    internal static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    internal static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}

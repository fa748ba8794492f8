namespace VmLab.Cli.Tests;

/// <summary>Small static x86-64 ELF files built byte by byte: one R+X segment at 0x100000 holding the headers and
/// the code, then (outside the segment) a string table and symbol tables laid out as a test needs.</summary>
internal static class TestElf
{
    public const ulong Base = 0x100000;
    private const int Headers = 64 + 56;

    /// <summary>mov eax, 3 (getpid); syscall; jmp back: a program that asks the kernel for its pid forever.</summary>
    public static readonly byte[] GetPidLoop = [0xb8, 3, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];

    /// <summary>The code's address, where every symbol of <see cref="Build"/> points.</summary>
    public const ulong Entry = Base + Headers;

    /// <param name="strings">the string table (its first byte should be 0)</param>
    /// <param name="symbols">symbols in the table, the i-th named at strings[nameAt(i)]</param>
    /// <param name="tables">section headers that all describe the same symbol table</param>
    public static byte[] Build(byte[] code, byte[]? strings = null, int symbols = 0, Func<int, int>? nameAt = null, int tables = 1)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s);
        w.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        w.Write((ushort)2); w.Write((ushort)62); w.Write(1);
        w.Write(Entry); w.Write(64UL);
        long shoffAt = s.Position;
        w.Write(0UL); w.Write(0);
        w.Write((ushort)64); w.Write((ushort)56); w.Write((ushort)1); w.Write((ushort)64);
        long shnumAt = s.Position;
        w.Write((ushort)0); w.Write((ushort)0);
        w.Write(1); w.Write(5); w.Write(0UL); w.Write(Base); w.Write(Base);
        w.Write((ulong)(Headers + code.Length)); w.Write((ulong)(Headers + code.Length)); w.Write(0x1000UL);
        w.Write(code);
        if (strings is null)
            return s.ToArray();
        Align(w);
        long stroff = s.Position;
        w.Write(strings);
        Align(w);
        long symoff = s.Position;
        w.Write(new byte[24]);
        for (int i = 0; i < symbols; i++)
        {
            w.Write((uint)(nameAt?.Invoke(i) ?? 1)); w.Write((byte)0x12); w.Write((byte)0); w.Write((ushort)1);
            w.Write(Entry); w.Write(0UL);
        }
        long symsize = s.Position - symoff;
        Align(w);
        long shoff = s.Position;
        w.Write(new byte[64]);
        Section(w, 3, stroff, strings.Length, 0, 0);
        for (int t = 0; t < tables; t++)
            Section(w, 2, symoff, symsize, 1, 24);
        var bytes = s.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan((int)shoffAt), (ulong)shoff);
        BitConverter.TryWriteBytes(bytes.AsSpan((int)shnumAt), (ushort)(2 + tables));
        return bytes;
    }

    private static void Section(BinaryWriter w, uint type, long offset, long size, uint link, ulong entsize)
    {
        w.Write(0u); w.Write(type); w.Write(0UL); w.Write(0UL); w.Write((ulong)offset); w.Write((ulong)size);
        w.Write(link); w.Write(0u); w.Write(8UL); w.Write(entsize);
    }

    private static void Align(BinaryWriter w)
    {
        while (w.BaseStream.Position % 8 != 0) w.Write((byte)0);
    }
}

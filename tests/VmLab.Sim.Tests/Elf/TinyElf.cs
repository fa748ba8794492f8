using System.Buffers.Binary;

namespace VmLab.Sim.Tests.Elf;

/// <summary>Hand-made ELF files: a valid static x86-64 executable by default, every field open to damage.</summary>
internal sealed class TinyElf
{
    public sealed record Ph(uint Type, uint Flags, ulong Va, ulong FileSize, ulong MemSize, ulong? Offset = null);

    public byte Class = 2, Data = 1, Version = 1;
    public ushort Type = 2, Machine = 62;
    public ulong Entry = 0x100000;
    public List<Ph> Headers =
    [
        new(1, 5, 0x100000, 16, 16),             // R X: the code
        new(1, 6, 0x101000, 8, 0x2000),          // R W: data, then bss
    ];

    /// <summary>The code: mov eax, 2 (exit); xor edi, edi; syscall; then filler.</summary>
    public static readonly byte[] Code = [0xb8, 0x02, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90];

    public byte[] Build()
    {
        const int eh = 64, ph = 56;
        int dataAt = eh + ph * Headers.Count;
        var contents = new List<(Ph H, int At)>();
        int at = (dataAt + 15) & ~15;
        foreach (var h in Headers)
        {
            contents.Add((h, at));
            at += (int)Math.Min(h.FileSize, 1 << 16);
        }
        var b = new byte[at];
        b[0] = 0x7f; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F';
        b[4] = Class; b[5] = Data; b[6] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), eh);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(52), eh);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(54), ph);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(56), (ushort)Headers.Count);
        for (int i = 0; i < contents.Count; i++)
        {
            var (h, off) = contents[i];
            var p = b.AsSpan(eh + i * ph);
            BinaryPrimitives.WriteUInt32LittleEndian(p, h.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], h.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], h.Offset ?? (ulong)off);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], h.Va);
            BinaryPrimitives.WriteUInt64LittleEndian(p[24..], h.Va);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], h.FileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], h.MemSize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 0x1000);
            if (i == 0 && h.FileSize >= (ulong)Code.Length) Code.CopyTo(b.AsSpan(off));
            else for (int j = 0; j < (int)Math.Min(h.FileSize, 1 << 16); j++) b[off + j] = (byte)(0xA0 + j);
        }
        return b;
    }
}

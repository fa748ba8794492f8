using System.Runtime.CompilerServices;

namespace VmLab.Sim.Cpu;

/// <summary>
/// Little-endian loads and stores of 1, 2, 4 or 8 bytes at a host location: the last step of every bus, once
/// the virtual address has become a byte in a frame. Callers guarantee natural alignment inside one page, so
/// the access never leaves the frame.
/// </summary>
internal static class SizedAccess
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Read(ref byte p, int size) => size switch
    {
        1 => p,
        2 => Unsafe.ReadUnaligned<ushort>(ref p),
        4 => Unsafe.ReadUnaligned<uint>(ref p),
        _ => Unsafe.ReadUnaligned<ulong>(ref p),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(ref byte p, int size, ulong value)
    {
        switch (size)
        {
            case 1: p = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(ref p, (ushort)value); break;
            case 4: Unsafe.WriteUnaligned(ref p, (uint)value); break;
            default: Unsafe.WriteUnaligned(ref p, value); break;
        }
    }
}

namespace VmLab.Linux.Faults;

/// <summary>
/// Address space for a demand-paging hole: a range that is reserved and then unmapped on purpose, so that
/// a <see cref="FaultPolicy.MapFreshPage"/> region can map its pages on first touch.
/// </summary>
/// <remarks>
/// An unmapped hole is free address space, and the kernel gives free space to the next mmap without an
/// address: with the default top-down layout it picks the highest gap that fits below the mmap base, and a
/// hole just unmapped among the process's recent mappings is exactly such a gap. Any thread (the runtime's
/// GC, the JIT, another test) can therefore land a mapping in it between the unmap and the first touch;
/// the handler then refuses to replace it and the touch is reported as an access violation. Holes are
/// therefore reserved far below the area the kernel allocates from (top-down) and below the legacy bottom-up
/// base too, where an address-less mmap is placed only when everything above is full.
/// </remarks>
public static class Hole
{
    // 16 TiB: below the legacy mmap base (~42 TiB), the program image (~85 TiB) and the top-down area (~127 TiB).
    private const long Base = 0x1000_0000_0000;
    private const long Stride = 1L << 30;
    private const int Slots = 4096;
    private static int _next;

    /// <summary>
    /// Reserves <paramref name="length"/> bytes PROT_NONE at a quiet address (trying successive 1 GiB slots with
    /// MAP_FIXED_NOREPLACE, never replacing anything). Unmap it (or let the caller's region map it) as needed.
    /// </summary>
    public static Mapping Reserve(ulong length)
    {
        Platform.RequireLinux("a demand-paging hole");
        if (length == 0 || length > Stride)
            throw new ArgumentOutOfRangeException(nameof(length), "a hole holds between 1 byte and 1 GiB");
        for (int attempt = 0; attempt < 64; attempt++)
        {
            long slot = (uint)Interlocked.Increment(ref _next) % Slots;
            nint address = (nint)(Base + slot * Stride);
            try
            {
                var m = Mapping.Map(address, length, Prot.PROT_NONE,
                    MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE | MapFlags.MAP_FIXED_NOREPLACE, -1, 0);
                // NOTE: kernels before 4.17 ignore MAP_FIXED_NOREPLACE and treat the address as a hint.
                if (m.Address == address)
                    return m;
                m.Dispose();
            }
            catch (LinuxException e) when (e.ErrorNumber == Errno.EEXIST)
            {
            }
        }
        return Mapping.Anonymous(length, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_NORESERVE);
    }
}

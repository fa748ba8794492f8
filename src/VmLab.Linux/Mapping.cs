using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Mman;

namespace VmLab.Linux;

/// <summary>
/// One mmap'd range that this object owns: it is unmapped exactly once, by <see cref="Dispose"/> or, as a
/// last resort, by the finalizer. Lengths are rounded up to whole pages.
/// </summary>
public sealed unsafe class Mapping : IDisposable
{
    private nint _address;

    private Mapping(nint address, nuint length)
    {
        _address = address;
        Length = length;
    }

    /// <summary>
    /// The last resort when <see cref="Dispose"/> was never called: unmaps the range on the finalizer thread.
    /// </summary>
    ~Mapping() => Unmap();

    // ---- creation ----

    /// <summary>A fresh anonymous mapping (zero-filled on first touch). MAP_ANONYMOUS is added to <paramref name="flags"/>.</summary>
    public static Mapping Anonymous(ulong length, Prot prot = Prot.ReadWrite, MapFlags flags = MapFlags.MAP_PRIVATE) =>
        Map(0, length, prot, flags | MapFlags.MAP_ANONYMOUS, -1, 0);

    /// <summary>mmap with every argument explicit; throws <see cref="LinuxException"/> when mmap returns MAP_FAILED.</summary>
    public static Mapping Map(nint address, ulong length, Prot prot, MapFlags flags, int fd, long offset)
    {
        if (length == 0)
            throw new ArgumentOutOfRangeException(nameof(length), "a mapping needs at least one byte");
        nuint len = (nuint)PageSize.AlignUp(length);
        nint p = mmap(address, len, (int)prot, (int)flags, fd, offset);
        if (p == MAP_FAILED)
            throw LinuxException.FromLastError("mmap", $"({len} bytes, {prot}, {flags})");
        return new Mapping(p, len);
    }

    /// <summary>A second view of the same frames (mremap with old_size 0). Only works on shared mappings.</summary>
    public Mapping Duplicate()
    {
        nint p = mremap(Address, 0, Length, MREMAP_MAYMOVE, 0);
        if (p == MAP_FAILED)
            throw LinuxException.FromLastError("mremap", "(duplicate; the source must be MAP_SHARED)");
        return new Mapping(p, Length);
    }

    /// <summary>Takes ownership of a range mapped elsewhere (for example by native code).</summary>
    public static Mapping Adopt(nint address, ulong length) => new(address, (nuint)PageSize.AlignUp(length));

    // ---- queries ----

    /// <summary>Start address (page-aligned). Throws once disposed.</summary>
    public nint Address => _address != 0 ? _address : throw new ObjectDisposedException(nameof(Mapping));

    /// <summary>Length of the range in bytes: the requested length rounded up to whole pages.</summary>
    public nuint Length { get; }

    /// <summary>Number of pages in the range (<see cref="Length"/> / <see cref="PageSize.Value"/>).</summary>
    public int Pages => (int)((ulong)Length / (ulong)PageSize.Value);

    /// <summary>
    /// <see cref="Address"/> as a byte pointer; valid only while the mapping is neither disposed nor released.
    /// </summary>
    public byte* Pointer => (byte*)Address;

    /// <summary>The whole range as bytes; touching it faults pages in as usual.</summary>
    public Span<byte> Span => new((void*)Address, checked((int)Length));

    /// <summary>The address of page <paramref name="index"/>.</summary>
    public nint PageAddress(int index) =>
        (uint)index < (uint)Pages ? Address + index * PageSize.Value : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Page <paramref name="index"/> as bytes.</summary>
    public Span<byte> PageSpan(int index) => new((void*)PageAddress(index), PageSize.Value);

    /// <summary>
    /// True once <see cref="Dispose"/> or <see cref="Release"/> gave the range up; <see cref="Address"/> then throws.
    /// </summary>
    public bool IsDisposed => _address == 0;

    // ---- modification ----

    /// <summary>mprotect on the whole range.</summary>
    public void Protect(Prot prot) => Protect(0, (ulong)Length, prot);

    /// <summary>mprotect on [offset, offset+length); offset must be page-aligned.</summary>
    public void Protect(ulong offset, ulong length, Prot prot)
    {
        CheckRange(offset, length);
        if (mprotect(Address + (nint)offset, (nuint)length, (int)prot) != 0)
            throw LinuxException.FromLastError("mprotect", $"({prot})");
    }

    /// <summary>madvise on [offset, offset+length); offset must be page-aligned.</summary>
    public void Advise(Advice advice, ulong offset = 0, ulong? length = null)
    {
        ulong len = length ?? (ulong)Length - offset;
        CheckRange(offset, len);
        if (madvise(Address + (nint)offset, (nuint)len, (int)advice) != 0)
            throw LinuxException.FromLastError("madvise", $"({advice})");
    }

    /// <summary>msync the whole range (MS_SYNC by default): file-backed writes reach the file.</summary>
    public void Sync(int flags = MS_SYNC)
    {
        if (msync(Address, Length, flags) != 0)
            throw LinuxException.FromLastError("msync");
    }

    /// <summary>Gives up ownership without unmapping; returns the address. The caller now owns the range.</summary>
    public nint Release()
    {
        nint p = Address;
        _address = 0;
        GC.SuppressFinalize(this);
        return p;
    }

    /// <summary>munmap, exactly once; later calls do nothing.</summary>
    public void Dispose()
    {
        Unmap();
        GC.SuppressFinalize(this);
    }

    private void Unmap()
    {
        nint p = Interlocked.Exchange(ref _address, 0);
        if (p != 0 && munmap(p, Length) != 0 && !Environment.HasShutdownStarted)
            throw LinuxException.FromLastError("munmap");
    }

    private void CheckRange(ulong offset, ulong length)
    {
        if (!PageSize.IsAligned(offset) || offset > (ulong)Length || length > (ulong)Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is not a page-aligned part of a {Length}-byte mapping");
    }

    /// <summary>"Mapping(0xADDRESS, LENGTH bytes)", or "Mapping(disposed)".</summary>
    public override string ToString() => IsDisposed ? "Mapping(disposed)" : $"Mapping(0x{Address:x}, {Length} bytes)";
}

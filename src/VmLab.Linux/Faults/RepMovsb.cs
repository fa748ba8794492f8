using static VmLab.Linux.Interop.Faults;

namespace VmLab.Linux.Faults;

/// <summary>
/// The seed's rep_movsb_copy: a copy done by one x86 <c>rep movsb</c> instruction (native/vmlab/repmovsb.c).
/// The instruction keeps its progress in rsi/rdi/rcx, so when it faults on a page a <see cref="FaultRegion"/>
/// cures, it resumes exactly where it stopped.
/// </summary>
public static unsafe class RepMovsb
{
    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="source"/> to
    /// <paramref name="destination"/>, ascending. The ranges must not overlap.</summary>
    public static void Copy(nint destination, nint source, nuint length)
    {
        Platform.RequireLinux("rep movsb from libvmlab");
        if (length != 0 && (destination == 0 || source == 0))
            throw new ArgumentNullException(destination == 0 ? nameof(destination) : nameof(source));
        if (length != 0 && (nuint)destination < (nuint)source + length && (nuint)source < (nuint)destination + length)
            throw new ArgumentException("source and destination overlap", nameof(destination));
        vmlab_rep_movsb((void*)destination, (void*)source, length);
    }

    /// <summary>Copies all of <paramref name="source"/> into the start of <paramref name="destination"/>.</summary>
    public static void Copy(Span<byte> destination, ReadOnlySpan<byte> source)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination holds {destination.Length} bytes, source has {source.Length}", nameof(destination));
        fixed (byte* d = destination)
        fixed (byte* s = source)
            Copy((nint)d, (nint)s, (nuint)source.Length);
    }
}

using System.Text;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="AnonExperiment"/> observed.</summary>
public sealed record AnonResult(
    ulong Address,
    int Bytes,
    bool PresentBeforeWrite,
    bool PresentAfterWrite,
    bool PresentAfterUnmap,
    bool ZeroFilled,
    string Message,
    string ReadBack,
    ulong? Pfn,
    ulong? PhysicalAddress,
    bool PfnHidden,
    long? MapCount,
    string FlagsBeforeWrite,
    string FlagsAfterWrite)
{
    /// <summary>Everything the seed's anon_mmap program claims, as observed.</summary>
    public bool Holds => !PresentBeforeWrite && PresentAfterWrite && ZeroFilled && ReadBack == Message && !PresentAfterUnmap;
}

/// <summary>
/// anon_mmap.c: a private anonymous mapping gets no physical page until the first write, and that page is
/// zero-filled.
/// </summary>
public static class AnonExperiment
{
    /// <summary>The text written into the fresh page when the caller gives none (ASCII, followed by a zero byte).</summary>
    public const string DefaultMessage = "Hello from anonymous memory";

    /// <summary>
    /// Maps <paramref name="bytes"/> of private anonymous memory, reads its pagemap entry before and after writing
    /// <paramref name="message"/>, and after munmap. Throws <see cref="ArgumentOutOfRangeException"/> when the mapping
    /// cannot hold the message and its zero byte, <see cref="PlatformNotSupportedException"/> off Linux.
    /// </summary>
    public static unsafe AnonResult Run(int bytes = 4096, string message = DefaultMessage)
    {
        Platform.RequireLinux("anon");
        byte[] text = Encoding.ASCII.GetBytes(message);
        if (bytes < text.Length + 1)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"the mapping must hold the message ({text.Length + 1} bytes)");
        using var map = PageMap.OpenSelf();
        using var counts = KPageCount.TryOpen(out _);
        var m = Mapping.Anonymous((ulong)bytes);
        ulong va = (ulong)m.Address;
        try
        {
            // Ask before anything touches the page: even a read would map the shared zero page.
            var before = map.Read(va);
            text.CopyTo(m.Span);
            var after = PrintMap.Of(map, va, counts);
            // The rest of the first page was never written: a fresh anonymous page reads as zeros.
            bool zero = !m.Span[text.Length..bytes].ContainsAnyExcept((byte)0);
            string readBack = Encoding.ASCII.GetString(m.Span[..text.Length]);
            m.Dispose();
            var gone = map.Read(va);
            return new AnonResult(va, bytes, before.IsPresent, after.Entry.IsPresent, gone.IsPresent, zero, message,
                readBack, after.Pfn, after.PhysicalAddress, after.Entry.IsPfnHidden, after.MapCount,
                before.FlagText, after.Entry.FlagText);
        }
        finally
        {
            m.Dispose();
        }
    }
}

using VmLab.Linux;
using VmLab.Linux.Faults;
using VmLab.Linux.Seams;

namespace VmLab.Labs.Tests.Wrong;

// Mistakes students make in seed 001 B. Each must cost the test named in GraderTests.

/// <summary>The seed's starter code every version shares: a chunk is one shared anonymous mapping, kept.</summary>
public abstract class ChunkBook : ILazyCopy
{
    protected Dictionary<nint, Mapping> Chunks { get; } = [];
    protected List<FaultRegion> Regions { get; } = [];

    public nint Allocate() => Keep(Mapping.Anonymous(LazyCopySeam.ChunkSize, Prot.ReadWrite, MapFlags.MAP_SHARED));

    public abstract nint CopyLazy(nint chunk);

    protected nint Keep(Mapping m)
    {
        Chunks.Add(m.Address, m);
        return m.Address;
    }
}

/// <summary>Copies at once: correct, but not lazy.</summary>
public sealed class EagerLazyCopy : ChunkBook
{
    public override nint CopyLazy(nint chunk)
    {
        var copy = Mapping.Anonymous(LazyCopySeam.ChunkSize, Prot.ReadWrite, MapFlags.MAP_SHARED);
        Chunks[chunk].Span.CopyTo(copy.Span);
        return Keep(copy);
    }
}

/// <summary>Protects and registers only the copy: the source stays writable, and its writes reach the copy.</summary>
public sealed class UnprotectedSourceLazyCopy : ChunkBook
{
    public override nint CopyLazy(nint chunk)
    {
        var copy = Chunks[chunk].Duplicate();
        copy.Protect(Prot.PROT_READ);
        Regions.Add(FaultHandler.Register(copy, FaultPolicy.SplitOnWrite));
        return Keep(copy);
    }
}

/// <summary>Never splits: a write fault just makes the page writable, still shared by both chunks.</summary>
public sealed class NeverSplitLazyCopy : ChunkBook
{
    public override nint CopyLazy(nint chunk)
    {
        var source = Chunks[chunk];
        source.Protect(Prot.PROT_READ);
        var copy = source.Duplicate();
        Regions.Add(FaultHandler.Register(source, FaultPolicy.MakeAccessible));
        Regions.Add(FaultHandler.Register(copy, FaultPolicy.MakeAccessible));
        return Keep(copy);
    }
}

/// <summary>Protects both chunks but registers nothing: the first write faults and nobody handles it.</summary>
public sealed class NoHandlerLazyCopy : ChunkBook
{
    public override nint CopyLazy(nint chunk)
    {
        var source = Chunks[chunk];
        source.Protect(Prot.PROT_READ);
        var copy = source.Duplicate();
        return Keep(copy);
    }
}

using System.Collections.Concurrent;
using VmLab.Linux.LazyCopy;

namespace VmLab.Linux.Seams;

/// <summary>The seam over VmLab's own lazy copy: chunks from a <see cref="ChunkAllocator"/> (segv strategy),
/// found again by address. The allocator's chunks live as long as the process (the seed frees nothing).</summary>
internal sealed class ReferenceLazyCopy : ILazyCopy
{
    private readonly ChunkAllocator _allocator = new(LazyCopyStrategy.Segv, LazyCopySeam.ChunkSize);
    private readonly ConcurrentDictionary<nint, Chunk> _chunks = new();

    public nint Allocate() => Keep(_allocator.Allocate());

    public nint CopyLazy(nint chunk) =>
        _chunks.TryGetValue(chunk, out var source)
            ? Keep(_allocator.CopyLazy(source))
            : throw new ArgumentException($"0x{chunk:x} is not a chunk from Allocate or CopyLazy", nameof(chunk));

    private nint Keep(Chunk c)
    {
        _chunks[c.Address] = c;
        return c.Address;
    }
}

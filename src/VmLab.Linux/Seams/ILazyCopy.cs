namespace VmLab.Linux.Seams;

/// <summary>
/// Seed 001 B, lazy copying: the seed's chunk_alloc and chunk_copy_lazy on chunks of <see cref="LazyCopySeam.ChunkSize"/>
/// bytes. A lab swaps a student's implementation in for <see cref="LazyCopySeam.Reference"/>; the graded tests
/// use only these two calls and plain reads and writes of the chunks' memory.
/// </summary>
/// <remarks>
/// Contract. Accesses to lazily copied memory return what an eager copy (fresh memory + memcpy) would; many
/// chunks may be copied lazily in one program; a lazy copy copies no memory until one side is written (reads
/// never copy); a write anywhere inside either chunk, not only at its start, splits them; after a split both
/// chunks keep their bytes and take writes independently. As in the seed, a chunk is copied lazily at most
/// once, copies are not copied again, and nothing is freed.
/// </remarks>
public interface ILazyCopy
{
    /// <summary>chunk_alloc: a fresh, zero-filled, readable and writable chunk, page-aligned; its address.</summary>
    nint Allocate();

    /// <summary>chunk_copy_lazy: a new chunk that reads exactly like <paramref name="chunk"/> does now, made
    /// without copying its bytes; the first write to either chunk splits them. Its address.</summary>
    nint CopyLazy(nint chunk);
}

/// <summary>The lazy-copy seam's constants and its reference implementation.</summary>
public static class LazyCopySeam
{
    /// <summary>The seed's chunk size: 64 KiB.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>The working implementation: <see cref="LazyCopy.ChunkAllocator"/> with the seed's SIGSEGV
    /// method (<see cref="LazyCopy.LazyCopyStrategy.Segv"/>). Each call makes a new, independent one.</summary>
    public static ILazyCopy Reference() => new ReferenceLazyCopy();
}

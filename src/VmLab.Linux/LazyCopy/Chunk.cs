namespace VmLab.Linux.LazyCopy;

/// <summary>
/// One chunk of page-aligned memory from a <see cref="ChunkAllocator"/>: an original, an eager copy or a lazy
/// copy; all read and write alike. Writing a lazy copy (or a chunk that has one) costs a split the first time.
/// Native code may write through <see cref="Pointer"/> too, with one exception: the kernel itself writing into
/// a chunk that still shares its frames (read(2) into it, say) gets EFAULT, because only user-mode writes fault.
/// </summary>
public sealed unsafe class Chunk : IDisposable
{
    private int _disposed;

    internal Chunk(ChunkBackend backend, nint address, int length, nint handle, object? state)
    {
        Backend = backend;
        Address = address;
        Length = length;
        Handle = handle;
        State = state;
    }

    // ---- queries ----

    /// <summary>Start address (page-aligned); stays the same for the chunk's whole life, across splits.</summary>
    public nint Address { get; }

    /// <summary>Size in bytes: the allocator's chunk size.</summary>
    public int Length { get; }

    /// <summary>The start address for native code.</summary>
    public byte* Pointer => IsDisposed ? throw new ObjectDisposedException(nameof(Chunk)) : (byte*)Address;

    /// <summary>The whole chunk as bytes.</summary>
    public Span<byte> Span => new(Pointer, Length);

    /// <summary>The strategy that made this chunk; copies of it use the same one.</summary>
    public LazyCopyStrategy Strategy => Backend.Strategy;

    /// <summary>True while the chunk still shares frames with another chunk (a write to it will split them).</summary>
    public bool IsShared => !IsDisposed && Backend.IsShared(this);

    /// <summary>True once <see cref="Dispose"/> ran; <see cref="Pointer"/> and <see cref="Span"/> then throw
    /// <see cref="ObjectDisposedException"/> and <see cref="IsShared"/> is false.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    // ---- modification ----

    /// <summary>Frees the chunk, exactly once. Frames it shared stay with the other chunks; the last holder of a
    /// frame set releases it.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed != 0)
                return;
            Volatile.Write(ref _disposed, 1);
        }
        Owner?.Untrack(this);
        Backend.Free(this);
    }

    /// <summary>The allocator tracking this chunk; told once, by Dispose, before the memory is unmapped.</summary>
    internal ChunkAllocator? Owner { get; set; }

    internal ChunkBackend Backend { get; }

    /// <summary>Held while the chunk is being copied and while it is marked disposed: a copy never reads a chunk
    /// that is being unmapped; it sees ObjectDisposedException instead.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>The native view (segv) or zero.</summary>
    internal nint Handle { get; }

    /// <summary>The backend's own bookkeeping for this chunk (kcow, uffd).</summary>
    internal object? State { get; }

    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new ObjectDisposedException(nameof(Chunk));
    }

    /// <summary>"Chunk(STRATEGY, 0xADDRESS, LENGTH bytes)", with ", shared" while it still shares frames.</summary>
    public override string ToString() => $"Chunk({Strategy.Name()}, 0x{Address:x}, {Length} bytes{(IsShared ? ", shared" : "")})";
}

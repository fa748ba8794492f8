using System.Runtime.InteropServices;

namespace VmLab.Linux.LazyCopy;

/// <summary>One strategy's mechanism. <see cref="ChunkAllocator"/> counts and tracks chunks; a backend only maps,
/// copies and frees them. Every method is thread-safe.</summary>
internal abstract class ChunkBackend : IDisposable
{
    public abstract LazyCopyStrategy Strategy { get; }

    /// <summary>A fresh, zero-filled, writable chunk of <paramref name="bytes"/> (a multiple of the page size).</summary>
    public abstract Chunk Allocate(int bytes);

    /// <summary>A fresh chunk holding a copy of <paramref name="source"/>'s bytes now.</summary>
    public abstract Chunk CopyEager(Chunk source);

    /// <summary>A chunk that reads like <paramref name="source"/> now, sharing frames until one of them is written.</summary>
    public abstract Chunk CopyLazy(Chunk source);

    /// <summary>Unmaps the chunk and forgets it (called once per chunk).</summary>
    public abstract void Free(Chunk chunk);

    /// <summary>True while the chunk shares frames with another chunk.</summary>
    public abstract bool IsShared(Chunk chunk);

    public virtual void Dispose()
    {
    }

    /// <summary>The exception for the P/Invoke that just failed: running out of memory or mappings is a
    /// <see cref="ChunkLimitException"/> that says which limit, anything else a plain LinuxException.</summary>
    internal static LinuxException LastError(string call, string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ENOMEM
            ? new ChunkLimitException(call, errno, $"({what}: out of memory or out of mappings; this process may have at most vm.max_map_count = {MaxMapCount()} mappings, and every chunk and copy is at least one)")
            : new LinuxException(call, errno, $"({what})");
    }

    /// <summary>/proc/sys/vm/max_map_count, or "?" when unreadable.</summary>
    internal static string MaxMapCount()
    {
        try { return File.ReadAllText("/proc/sys/vm/max_map_count").Trim(); }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }
}

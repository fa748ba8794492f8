namespace VmLab.Linux.LazyCopy;

/// <summary>
/// Allocates chunks and copies them eagerly or lazily (the seed's chunk_alloc, copy eager, copy lazy). The
/// strategy is chosen per allocator, and may be overridden per allocation; a copy always uses its source's
/// strategy. Thread-safe. Disposing the allocator frees every chunk it still has.
/// </summary>
public sealed class ChunkAllocator : IDisposable
{
    /// <summary>The seed's chunk size: 64 KiB.</summary>
    public const int DefaultChunkBytes = 64 * 1024;

    private static readonly Lazy<int> Budget = new(ComputeBudget);
    private static int _processLive;
    private readonly Lock _lock = new();
    private readonly HashSet<Chunk> _live = [];
    private int _pending;   // slots reserved by Track for chunks being made
    private readonly ChunkBackend?[] _backends = new ChunkBackend?[LazyCopyStrategies.All.Count];
    private bool _disposed;

    /// <param name="strategy">The default strategy for <see cref="Allocate"/>.</param>
    /// <param name="chunkBytes">Bytes per chunk: a positive multiple of the page size.</param>
    /// <param name="maxChunks">At most this many live chunks (originals and copies); more throws
    /// <see cref="ChunkLimitException"/>. The kernel's own limit (vm.max_map_count) applies regardless.</param>
    /// <param name="spareChunks">segv and uffd: pre-faulted spare mappings kept ready for splits (refilled in the
    /// background, and by freed chunks that owned their frames); -1 picks <see cref="DefaultSpareChunks"/>, 0
    /// turns them off. A split that finds a spare only copies; one that finds none maps fresh frames.</param>
    public ChunkAllocator(LazyCopyStrategy strategy = LazyCopyStrategy.Segv, int chunkBytes = DefaultChunkBytes, int maxChunks = int.MaxValue, int spareChunks = -1)
    {
        Platform.RequireLinux("lazy copy");
        if (chunkBytes <= 0 || chunkBytes % PageSize.Value != 0)
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), $"a chunk must be a positive multiple of the page size ({PageSize.Value} bytes); got {chunkBytes}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunks);
        ArgumentOutOfRangeException.ThrowIfLessThan(spareChunks, -1);
        SpareChunks = spareChunks == -1 ? DefaultSpareChunks(chunkBytes) : Math.Min(spareChunks, MaxSpareChunks);
        Strategy = strategy;
        ChunkBytes = chunkBytes;
        MaxChunks = maxChunks;
        BackendFor(strategy);   // fail now, not at the first allocation, when the strategy is unavailable
    }

    // ---- queries ----

    /// <summary>The strategy <see cref="Allocate"/> uses when none is named; copies keep their source's strategy.</summary>
    public LazyCopyStrategy Strategy { get; }

    /// <summary>Bytes per chunk, fixed for the allocator's life: a positive multiple of the page size.</summary>
    public int ChunkBytes { get; }

    /// <summary>
    /// Most live chunks (originals and copies) at once; one more throws <see cref="ChunkLimitException"/>.
    /// </summary>
    public int MaxChunks { get; }

    /// <summary>Spare mappings kept for splits (segv and uffd); see the constructor.</summary>
    public int SpareChunks { get; }

    /// <summary>The most spares one chunk size keeps: spares are mappings, taken from <see cref="RuntimeReserve"/>.</summary>
    public const int MaxSpareChunks = 64;

    /// <summary>Enough spares for a burst of 16 splits, but at most 8 MiB of them (and at least one).</summary>
    public static int DefaultSpareChunks(int chunkBytes) => Math.Clamp(8 * 1024 * 1024 / chunkBytes, 1, 16);

    /// <summary>Waits until every spare pool in the process is full, for measurements of the steady state.
    /// False if that took longer than <paramref name="timeout"/>.</summary>
    public static bool WaitForSpares(TimeSpan timeout) =>
        Interop.LazyCopy.vmlab_lc_spares_wait_full((int)Math.Min(timeout.TotalMilliseconds, int.MaxValue)) != 0;

    /// <summary>
    /// How many chunks (each one mapping) all allocators in this process may hold at once: vm.max_map_count,
    /// less the mappings the process had when the first allocator was made, less <see cref="RuntimeReserve"/>.
    /// The reserve matters: at the kernel's limit the .NET runtime itself cannot map memory (to JIT, say) and
    /// the process dies with a fatal error, which is what a clear exception here prevents.
    /// </summary>
    public static int ProcessChunkBudget => Budget.Value;

    /// <summary>Mappings left for the runtime and everything else in the process.</summary>
    public const int RuntimeReserve = 8192;

    /// <summary>Chunks alive in the whole process, across allocators.</summary>
    public static int ProcessLiveChunks => Volatile.Read(ref _processLive);

    /// <summary>Chunks allocated or copied and not yet disposed.</summary>
    public int LiveChunks
    {
        get { lock (_lock) return _live.Count; }
    }

    // ---- allocation and copies ----

    /// <summary>A fresh zero-filled writable chunk (by default with the allocator's strategy).</summary>
    public Chunk Allocate(LazyCopyStrategy? strategy = null) =>
        Track(strategy, static (a, s) => a.BackendFor(s ?? a.Strategy).Allocate(a.ChunkBytes));

    /// <summary>A fresh chunk with a copy of <paramref name="source"/>'s bytes, made now (memcpy).</summary>
    public Chunk CopyEager(Chunk source) => Track(source, static (a, s) => a.Copy(s, eager: true));

    /// <summary>A chunk that reads exactly like <paramref name="source"/> does now, made without copying: the
    /// frames are shared until either chunk is written. Copies of copies and many copies of one chunk work.</summary>
    public Chunk CopyLazy(Chunk source) => Track(source, static (a, s) => a.Copy(s, eager: false));

    /// <summary>Frees every chunk still live, then the strategies' resources.</summary>
    public void Dispose()
    {
        Chunk[] left;
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            left = [.. _live];
        }
        foreach (var c in left)
            c.Dispose();
        foreach (var b in _backends)
            b?.Dispose();
    }

    // ---- internals ----

    /// <summary>Makes a chunk within both limits: a slot is reserved before the mapping is made, so threads
    /// racing to allocate cannot overshoot; a chunk made while the allocator was being disposed is freed.
    /// <paramref name="make"/> is static and gets its argument: a copy allocates nothing but the chunk.</summary>
    private Chunk Track<T>(T arg, Func<ChunkAllocator, T, Chunk> make)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_live.Count + _pending >= MaxChunks)
                throw new ChunkLimitException("mmap", Errno.ENOMEM, $"(this allocator's limit of {MaxChunks} live chunks is reached)");
            _pending++;
        }
        Chunk? c = null;
        try
        {
            if (Interlocked.Increment(ref _processLive) > Budget.Value)
            {
                Interlocked.Decrement(ref _processLive);
                throw new ChunkLimitException("mmap", Errno.ENOMEM, $"(the process holds {Budget.Value} chunks, its budget: vm.max_map_count = {ChunkBackend.MaxMapCount()} less the mappings the process already had and {RuntimeReserve} kept for the runtime)");
            }
            try
            {
                c = make(this, arg);
            }
            catch
            {
                Interlocked.Decrement(ref _processLive);
                throw;
            }
            c.Owner = this;
        }
        finally
        {
            bool late;
            lock (_lock)
            {
                _pending--;
                late = c is not null && _disposed;
                if (c is not null && !late)
                    _live.Add(c);
            }
            if (late)
                c!.Dispose();
        }
        ObjectDisposedException.ThrowIf(c.IsDisposed, this);
        return c;
    }

    /// <summary>Called once by <see cref="Chunk.Dispose"/>, before the memory is unmapped.</summary>
    internal void Untrack(Chunk c)
    {
        Interlocked.Decrement(ref _processLive);
        lock (_lock)
            _live.Remove(c);
    }

    private static int ComputeBudget()
    {
        if (!long.TryParse(ChunkBackend.MaxMapCount(), out long max))
            max = 65530;
        long used = File.ReadLines("/proc/self/maps").LongCount();
        return (int)Math.Clamp(max - used - RuntimeReserve, 0, int.MaxValue);
    }

    private Chunk Copy(Chunk source, bool eager)
    {
        Own(source);
        lock (source.Gate)
        {
            source.ThrowIfDisposed();
            return eager ? source.Backend.CopyEager(source) : source.Backend.CopyLazy(source);
        }
    }

    private Chunk Own(Chunk source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.ThrowIfDisposed();
        lock (_lock)
        {
            if (!_live.Contains(source))
            {
                source.ThrowIfDisposed();   // disposed since the check above
                throw new ArgumentException("the chunk belongs to another allocator", nameof(source));
            }
        }
        return source;
    }

    private ChunkBackend BackendFor(LazyCopyStrategy s)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _backends[(int)s] ??= s switch
            {
                LazyCopyStrategy.Segv => new SegvBackend(ChunkBytes, SpareChunks),
                LazyCopyStrategy.Kcow => new KcowBackend(),
                LazyCopyStrategy.Uffd => new UffdBackend(ChunkBytes, SpareChunks),
                _ => throw new ArgumentOutOfRangeException(nameof(s)),
            };
        }
    }
}

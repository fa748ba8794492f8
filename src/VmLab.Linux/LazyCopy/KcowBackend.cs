using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static VmLab.Linux.Interop.Mman;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// Kernel copy-on-write. A chunk starts as the only view, MAP_SHARED, of its own memfd, so its writes reach the
/// file. A lazy copy freezes the file: the source is remapped MAP_PRIVATE over it (same bytes, the file has
/// them) and the copy is another MAP_PRIVATE view; the kernel then copies one page on each view's first write
/// to it. The trap: a private view's writes never reach the file, so a copy of a view that has diverged must
/// not map the file (it would read the stale pages). Such a view is first materialised into a new memfd
/// (its current bytes), and both it and the copy become private views of that one.
/// A view has diverged when /proc/self/pagemap shows a page of it that is anonymous (present and not
/// file-backed) or swapped: the kernel's record of the pages it copied.
/// Ordering: all bookkeeping under <see cref="_lock"/>; nothing here faults into user code, so holding it
/// while touching chunk memory is safe.
/// </summary>
internal sealed class KcowBackend : ChunkBackend
{
    private const ulong PM_PRESENT = PageMapEntry.PresentBit, PM_SWAPPED = PageMapEntry.SwappedBit, PM_FILE = PageMapEntry.FileOrSharedAnonBit;

    private readonly Lock _lock = new();
    private readonly PageMap _pagemap = PageMap.OpenSelf();
    private long _materialised;

    /// <summary>One memfd and how many views map it; the last view to go closes it (the kernel frees the frames).</summary>
    private sealed class Backing(SafeFileHandle fd)
    {
        public readonly SafeFileHandle Fd = fd;
        public int Views = 1;
        public int Raw => (int)Fd.DangerousGetHandle();
    }

    /// <summary>A chunk's view: which file, and whether it is the file's writer (shared) or a private view.</summary>
    private sealed class View(Backing backing)
    {
        public Backing Backing = backing;
        public bool Private;
    }

    public override LazyCopyStrategy Strategy => LazyCopyStrategy.Kcow;

    /// <summary>Copies that had to materialise a diverged source into a new memfd first.</summary>
    public long Materialised => Interlocked.Read(ref _materialised);

    public override Chunk Allocate(int bytes) => Allocate(bytes, populate: false);

    /// <param name="bytes">The chunk's size: the allocator's chunk size.</param>
    /// <param name="populate">MAP_POPULATE: for a chunk about to be written whole (an eager copy), one system
    /// call instead of a fault per page.</param>
    private Chunk Allocate(int bytes, bool populate)
    {
        var b = NewBacking(bytes);
        var flags = MapFlags.MAP_SHARED | (populate ? MapFlags.MAP_POPULATE : 0);
        nint p = mmap(0, (nuint)bytes, (int)Prot.ReadWrite, (int)flags, b.Raw, 0);
        if (p == MAP_FAILED)
        {
            var e = LastError("mmap", $"a {bytes}-byte MAP_SHARED view of a memfd");
            b.Fd.Dispose();
            throw e;
        }
        return new Chunk(this, p, bytes, 0, new View(b));
    }

    public override unsafe Chunk CopyEager(Chunk source)
    {
        var c = Allocate(source.Length, populate: true);
        Buffer.MemoryCopy(source.Pointer, c.Pointer, c.Length, source.Length);
        return c;
    }

    public override Chunk CopyLazy(Chunk source)
    {
        var v = (View)source.State!;
        lock (_lock)
        {
            if (!v.Private)
                RemapPrivate(source, v.Backing);  // freeze the file: no view writes it any more
            else if (HasDiverged(source))
                Materialise(source, v);
            nint p = mmap(0, (nuint)source.Length, (int)Prot.ReadWrite, (int)MapFlags.MAP_PRIVATE, v.Backing.Raw, 0);
            if (p == MAP_FAILED)
                throw LastError("mmap", $"a MAP_PRIVATE copy of a {source.Length}-byte chunk");
            v.Backing.Views++;
            return new Chunk(this, p, source.Length, 0, new View(v.Backing) { Private = true });
        }
    }

    public override void Free(Chunk chunk)
    {
        var v = (View)chunk.State!;
        int rc = munmap(chunk.Address, (nuint)chunk.Length);
        var e = rc != 0 ? LastError("munmap", "freeing a chunk") : null;
        lock (_lock)
            Release(v.Backing);
        if (e is not null)
            throw e;
    }

    public override bool IsShared(Chunk chunk)
    {
        var v = (View)chunk.State!;
        lock (_lock)
            return v.Private && v.Backing.Views > 1;
    }

    public override void Dispose() => _pagemap.Dispose();

    /// <summary>True when some page of the chunk no longer comes from its file (the kernel copied it on a write).
    /// One pread of the page map: the whole price a lazy copy of a private view pays for being correct.</summary>
    [SkipLocalsInit]
    internal bool HasDiverged(Chunk c)
    {
        int pages = c.Length / PageSize.Value;
        Span<PageMapEntry> entries = pages <= 512 ? stackalloc PageMapEntry[pages] : new PageMapEntry[pages];
        _pagemap.Read((ulong)c.Address, entries);
        return AnyDiverged(MemoryMarshal.Cast<PageMapEntry, ulong>(entries));
    }

    /// <summary>True if an entry is swapped, or present and not file-backed (FILE &lt;&lt; 2 is PRESENT's bit):
    /// branch-free, a vector at a time, because a 2 MiB chunk has 512 entries.</summary>
    internal static bool AnyDiverged(ReadOnlySpan<ulong> entries)
    {
        var acc = Vector<ulong>.Zero;
        int i = 0;
        for (; i + Vector<ulong>.Count <= entries.Length; i += Vector<ulong>.Count)
        {
            var e = new Vector<ulong>(entries[i..]);
            acc |= (e & new Vector<ulong>(PM_SWAPPED)) | (e & new Vector<ulong>(PM_PRESENT) & ~((e & new Vector<ulong>(PM_FILE)) << 2));
        }
        ulong diverged = 0;
        for (; i < entries.Length; i++)
            diverged |= (entries[i] & PM_SWAPPED) | (entries[i] & PM_PRESENT & ~((entries[i] & PM_FILE) << 2));
        return diverged != 0 || acc != Vector<ulong>.Zero;
    }

    /// <summary>Writes the view's current bytes into a new memfd and makes the view a private view of it.</summary>
    private unsafe void Materialise(Chunk source, View v)
    {
        var b = NewBacking(source.Length);
        try
        {
            RandomAccess.Write(b.Fd, new ReadOnlySpan<byte>(source.Pointer, source.Length), 0);
            RemapPrivate(source, b);
        }
        catch
        {
            b.Fd.Dispose();
            throw;
        }
        Release(v.Backing);
        v.Backing = b;
        v.Private = true;
        Interlocked.Increment(ref _materialised);
    }

    /// <summary>Replaces the chunk's mapping, at the same address, with a MAP_PRIVATE view of <paramref name="b"/>.
    /// The bytes must already be in the file: the pages the old mapping had are dropped.</summary>
    private static void RemapPrivate(Chunk c, Backing b)
    {
        var v = (View)c.State!;
        nint p = mmap(c.Address, (nuint)c.Length, (int)Prot.ReadWrite, (int)(MapFlags.MAP_PRIVATE | MapFlags.MAP_FIXED), b.Raw, 0);
        if (p == MAP_FAILED)
            throw LastError("mmap", "remapping a chunk MAP_PRIVATE|MAP_FIXED over its file");
        v.Private = true;
    }

    private static Backing NewBacking(int bytes)
    {
        try
        {
            return new Backing(MemFd.Create("vmlab-kcow", bytes));
        }
        catch (LinuxException e) when (e.ErrorNumber is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM)
        {
            throw new ChunkLimitException(e.Call, e.ErrorNumber, "(every kcow chunk holds a memfd open: out of file descriptors or memory)");
        }
    }

    private static void Release(Backing b)
    {
        if (--b.Views == 0)
            b.Fd.Dispose();
    }
}

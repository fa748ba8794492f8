using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Mman;
using static VmLab.Linux.Interop.Userfaultfd;

namespace VmLab.Linux.LazyCopy;

/// <summary>
/// The seed's views (shared anonymous chunks, lazy copy = mremap(old, 0) second view) protected by userfaultfd
/// write-protect instead of mprotect. A write to a protected view stops the writing thread in the kernel; the
/// handler thread here splits the view (fresh memory, contents copied, moved over the view with
/// mremap(MREMAP_FIXED) so the address is never a hole) and wakes it. No signal handler is involved, so the
/// split may be managed code.
/// Ordering rules:
///   1. Views, rings and the table change only under <see cref="_lock"/>.
///   2. No thread writes chunk memory while it holds the lock: the write could stop on a write-protect fault
///      that only the handler thread can resolve, and the handler needs the lock.
///   3. The handler updates the bookkeeping before it wakes the faulting thread.
///   4. A source is write-protected before it is duplicated, so a duplicate never exposes a writable alias.
/// </summary>
internal sealed unsafe class UffdBackend : ChunkBackend
{
    private readonly Lock _lock = new();
    private readonly Userfaultfd _uffd = Userfaultfd.Open();
    private readonly ViewTable<View> _table = new();
    private readonly int _stopFd;
    private readonly Thread _handler;
    private long _splits, _unshared, _spurious;

    /// <summary>One chunk's view. Views sharing frames form a ring; a ring of one owns its frames.</summary>
    private sealed class View(nint address, int length) : ViewTable<View>.IView
    {
        public nint Address { get; } = address;
        public int Length { get; } = length;
        public View Next = null!, Prev = null!;
        public bool Protected, Registered;
        public bool Alone => Next == this;
    }

    public UffdBackend()
    {
        _stopFd = eventfd(0, EFD_CLOEXEC);
        if (_stopFd < 0)
        {
            var e = LinuxException.FromLastError("eventfd");
            _uffd.Dispose();
            throw e;
        }
        _handler = new Thread(HandlerLoop) { IsBackground = true, Name = "vmlab uffd handler" };
        _handler.Start();
    }

    public override LazyCopyStrategy Strategy => LazyCopyStrategy.Uffd;

    /// <summary>Faults resolved by splitting, by lifting protection from a lone view, and that needed nothing.</summary>
    public (long Splits, long Unshared, long Spurious) Counters => (Interlocked.Read(ref _splits), Interlocked.Read(ref _unshared), Interlocked.Read(ref _spurious));

    public override Chunk Allocate(int bytes)
    {
        nint p = mmap(0, (nuint)bytes, (int)Prot.ReadWrite, (int)(MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS), -1, 0);
        if (p == MAP_FAILED)
            throw LastError("mmap", $"a {bytes}-byte MAP_SHARED|MAP_ANONYMOUS chunk");
        var v = new View(p, bytes);
        v.Next = v.Prev = v;
        lock (_lock)
            _table.Add(v);
        return new Chunk(this, p, bytes, 0, v);
    }

    public override Chunk CopyEager(Chunk source)
    {
        var c = Allocate(source.Length);
        Buffer.MemoryCopy(source.Pointer, c.Pointer, c.Length, source.Length);
        return c;
    }

    public override Chunk CopyLazy(Chunk source)
    {
        var src = (View)source.State!;
        lock (_lock)
        {
            Protect(src);
            nint p = mremap(src.Address, 0, (nuint)src.Length, MREMAP_MAYMOVE, 0);
            if (p == MAP_FAILED)
            {
                var e = LastError("mremap", $"a lazy copy (second view) of a {src.Length}-byte chunk");
                Unprotect(src);
                throw e;
            }
            var v = new View(p, src.Length) { Next = src.Next, Prev = src };
            try
            {
                Protect(v);
            }
            catch
            {
                munmap(p, (nuint)src.Length);
                Unprotect(src);
                throw;
            }
            src.Next.Prev = v;
            src.Next = v;
            _table.Add(v);
            return new Chunk(this, p, src.Length, 0, v);
        }
    }

    public override void Free(Chunk chunk)
    {
        var v = (View)chunk.State!;
        lock (_lock)
        {
            _table.Remove(v);
            var left = Leave(v);
            if (left is not null)
                Unprotect(left);
        }
        if (munmap(v.Address, (nuint)v.Length) != 0)
            throw LastError("munmap", "freeing a chunk");
    }

    public override bool IsShared(Chunk chunk)
    {
        var v = (View)chunk.State!;
        lock (_lock)
            return !v.Alone;
    }

    public override void Dispose()
    {
        ulong one = 1;
        write(_stopFd, &one, 8);
        _handler.Join();
        Interop.Unistd.close(_stopFd);
        _uffd.Dispose();
    }

    // ---- the handler thread ----

    private void HandlerLoop()
    {
        pollfd* fds = stackalloc pollfd[2];
        fds[0] = new pollfd { fd = _uffd.Fd, events = POLLIN };
        fds[1] = new pollfd { fd = _stopFd, events = POLLIN };
        while (true)
        {
            fds[0].revents = fds[1].revents = 0;
            if (poll(fds, 2, -1) < 0 && Marshal.GetLastPInvokeError() != Errno.EINTR)
                throw LinuxException.FromLastError("poll", "(userfaultfd handler)");
            if (fds[1].revents != 0)
                return;
            while (_uffd.TryRead(out var msg))
                if (msg.@event == UFFD_EVENT_PAGEFAULT)
                    Resolve((nint)msg.pagefault_address);
        }
    }

    /// <summary>Makes the faulting write able to succeed, then wakes the writer (rule 3).</summary>
    private void Resolve(nint address)
    {
        lock (_lock)
        {
            var v = _table.Find(address);
            if (v is null || !v.Protected)
            {
                Interlocked.Increment(ref _spurious);
                _uffd.Wake(PageStart(address), PageSize.Value);
            }
            else if (v.Alone)
            {
                Unprotect(v);
                Interlocked.Increment(ref _unshared);
            }
            else
            {
                Split(v);
            }
        }
    }

    private void Split(View v)
    {
        nint fresh = mmap(0, (nuint)v.Length, (int)Prot.ReadWrite, (int)(MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS), -1, 0);
        if (fresh == MAP_FAILED)
            throw LastError("mmap", "splitting a lazy copy (the writer stays stopped)");
        Buffer.MemoryCopy((void*)v.Address, (void*)fresh, v.Length, v.Length);
        if (mremap(fresh, (nuint)v.Length, (nuint)v.Length, MREMAP_MAYMOVE | MREMAP_FIXED, v.Address) == MAP_FAILED)
            throw LastError("mremap", "moving a split copy over its view");
        v.Protected = v.Registered = false;   // the moved mapping is a new, unregistered, writable one
        var left = Leave(v);
        if (left is not null)
            Unprotect(left);
        Interlocked.Increment(ref _splits);
        _uffd.Wake(v.Address, v.Length);
    }

    // ---- views (caller holds the lock) ----

    private void Protect(View v)
    {
        if (!v.Registered)
        {
            _uffd.RegisterWriteProtect(v.Address, v.Length);
            v.Registered = true;
        }
        if (!v.Protected)
        {
            _uffd.WriteProtect(v.Address, v.Length, true);
            v.Protected = true;
        }
    }

    /// <summary>Lifts protection (which also wakes anyone stopped on the view).</summary>
    private void Unprotect(View v)
    {
        if (v.Protected && v.Alone)
        {
            _uffd.WriteProtect(v.Address, v.Length, false);
            v.Protected = false;
        }
    }

    /// <summary>Takes v out of its ring; returns the view left behind if it is now alone.</summary>
    private static View? Leave(View v)
    {
        var n = v.Next;
        if (n == v)
            return null;
        n.Prev = v.Prev;
        v.Prev.Next = n;
        v.Next = v.Prev = v;
        return n.Alone ? n : null;
    }

    private static nint PageStart(nint a) => (nint)PageSize.AlignDown((ulong)a);
}

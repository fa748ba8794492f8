using static VmLab.Linux.Interop.VmLabFork;

namespace VmLab.Linux;

/// <summary>
/// What a forked child does to the parent's pages (see <see cref="Fork.Touch"/>). The pages must be mapped
/// writable (a child that faults dies of SIGSEGV, reported as such). Pages of a MAP_SHARED mapping stay shared
/// across fork: the child's stores to those reach the parent.
/// </summary>
/// <param name="Address">First page (page-aligned) of memory the parent mapped before the fork.</param>
/// <param name="Pages">How many consecutive pages to write.</param>
/// <param name="WordsPerPage">64-bit words written at the start of each page (512 = the whole 4 KiB page).</param>
/// <param name="Value">The value stored into every word.</param>
/// <param name="Passes">How many times the pages are written (1..4), each pass timed.</param>
/// <param name="ReadPageMap">Read the child's pagemap (and kpagecount when readable) before and after.</param>
/// <param name="Interleave">Write each page in every pass before moving to the next page, so a page's passes
/// are timed back to back (pairs measured at one moment); otherwise each pass covers all pages.</param>
public sealed record ForkTouchPlan(nint Address, int Pages, int WordsPerPage, ulong Value, int Passes = 1, bool ReadPageMap = true, bool Interleave = false);

/// <summary>What the child observed, copied out of the shared result page after it was reaped.</summary>
/// <remarks>PassNanoseconds[p] is pass p's total; PageNanoseconds[p][i] the time page i took in pass p.</remarks>
public sealed record ForkTouchResult(
    ChildExit Exit,
    ulong ValueBefore,
    ulong ValueAfter,
    IReadOnlyList<long> PassNanoseconds,
    IReadOnlyList<IReadOnlyList<long>> PageNanoseconds,
    IReadOnlyList<PageMapEntry> EntriesBefore,
    IReadOnlyList<PageMapEntry> EntriesAfter,
    IReadOnlyList<long?> MapCountBefore,
    IReadOnlyList<long?> MapCountAfter,
    string? PageMapError,
    string? KPageCountError);

/// <summary>
/// fork() from a .NET process, done so that it is safe with any runtime setting.
/// </summary>
/// <remarks>
/// NOTE: design. The child never runs managed code. A .NET process always has several threads (GC, finalizer,
/// tiered JIT); fork copies only the calling one, so in the child any runtime lock, an in-progress GC
/// suspension, or the allocator may be held by a thread that no longer exists, and POSIX allows only
/// async-signal-safe calls until exec. With W^X on (the default) the JIT's code heap is a MAP_SHARED double
/// mapping, so a child that compiled anything would also write into the parent's code (observed: the parent
/// later failed with TypeLoadException). Here the fork, the child's whole body and its _exit are C
/// (native/vmlab/fork.c): it writes the planned pages, reads its own pagemap with open/pread, stores what it
/// saw into a MAP_SHARED page and leaves with _exit. The child never returns into managed code, so no
/// runtime code runs in it and the W^X setting does not matter: vmlab does not need
/// DOTNET_EnableWriteXorExecute=0 (the tests' runsettings keep it only as a belt-and-braces default).
/// </remarks>
public static unsafe class Fork
{
    /// <summary>How long a child may take before it is killed (the work is milliseconds; CI machines are slow).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Forks; the child carries out <paramref name="plan"/> on its copy of the pages and exits; the parent waits
    /// for it and returns what it observed. Throws <see cref="InvalidOperationException"/> when the child did
    /// not finish normally (killed, timed out, bad exit code), <see cref="LinuxException"/> when fork fails.
    /// </summary>
    public static ForkTouchResult Touch(ForkTouchPlan plan, TimeSpan? timeout = null)
    {
        Platform.RequireLinux("fork");
        ArgumentOutOfRangeException.ThrowIfLessThan(plan.Pages, 1, nameof(plan.Pages));
        ArgumentOutOfRangeException.ThrowIfLessThan(plan.Passes, 1, nameof(plan.Passes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plan.Passes, VMLAB_TOUCH_MAX_PASSES, nameof(plan.Passes));
        ArgumentOutOfRangeException.ThrowIfNegative(plan.WordsPerPage, nameof(plan.WordsPerPage));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plan.WordsPerPage, PageSize.Value / sizeof(ulong), nameof(plan.WordsPerPage));
        if (!PageSize.IsAligned((ulong)plan.Address) || plan.Address == 0)
            throw new ArgumentException($"0x{plan.Address:x} is not a page-aligned address", nameof(plan));
        if ((ulong)sizeof(vmlab_touch_result) != vmlab_touch_result_size(0))
            throw new InvalidOperationException("vmlab_touch_result: the C and C# layouts differ (rebuild native/)");

        int n = plan.Pages;
        using var shared = Mapping.Anonymous(vmlab_touch_result_size((ulong)n), Prot.ReadWrite, MapFlags.MAP_SHARED);
        var native = new vmlab_touch_plan
        {
            @base = (ulong)plan.Address,
            pages = (ulong)n,
            page_size = (ulong)PageSize.Value,
            words_per_page = (ulong)plan.WordsPerPage,
            value = plan.Value,
            passes = (uint)plan.Passes,
            flags = (plan.ReadPageMap ? VMLAB_TOUCH_PAGEMAP : 0) | (plan.Interleave ? VMLAB_TOUCH_INTERLEAVE : 0),
        };
        var result = (vmlab_touch_result*)shared.Pointer;
        int pid = vmlab_fork_touch(&native, result);
        if (pid < 0)
            throw LinuxException.FromLastError("fork");

        var exit = ChildExit.Wait(pid, timeout ?? DefaultTimeout);
        if (!exit.Succeeded || Volatile.Read(ref result->done) != 1)
            throw new InvalidOperationException($"fork: the {exit} before reporting its results");
        return Collect(plan, exit, result);
    }

    private static ForkTouchResult Collect(ForkTouchPlan plan, ChildExit exit, vmlab_touch_result* r)
    {
        int n = plan.Pages;
        ulong* data = (ulong*)(r + 1);
        var passes = new long[plan.Passes];
        for (int i = 0; i < passes.Length; i++)
            passes[i] = (long)r->pass_ns[i];
        PageMapEntry[] Entries(int array) =>
            Enumerable.Range(0, n).Select(i => new PageMapEntry(data[array * n + i])).ToArray();
        long?[] Counts(int array) =>
            Enumerable.Range(0, n).Select(i => r->kpagecount_errno == 0 && data[array * n + i] != 0 ? (long?)data[array * n + i] : null).ToArray();
        var pageNs = new IReadOnlyList<long>[plan.Passes];
        for (int p = 0; p < pageNs.Length; p++)
            pageNs[p] = Enumerable.Range(0, n).Select(i => (long)data[(4 + p) * n + i]).ToArray();
        bool readMap = plan.ReadPageMap && r->pagemap_errno == 0;
        return new ForkTouchResult(
            exit,
            r->value_before,
            r->value_after,
            passes,
            pageNs,
            readMap ? Entries(0) : [],
            readMap ? Entries(1) : [],
            readMap ? Counts(2) : [],
            readMap ? Counts(3) : [],
            !plan.ReadPageMap ? "not requested" : r->pagemap_errno == 0 ? null : $"/proc/self/pagemap: {Errno.Text(r->pagemap_errno)} ({Errno.Name(r->pagemap_errno)})",
            !plan.ReadPageMap ? "not requested" : r->kpagecount_errno == 0 ? null : $"/proc/kpagecount: {Errno.Text(r->kpagecount_errno)} ({Errno.Name(r->kpagecount_errno)})");
    }
}

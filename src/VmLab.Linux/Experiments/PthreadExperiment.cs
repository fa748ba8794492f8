using System.Diagnostics;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="PthreadExperiment"/> observed.</summary>
public sealed record PthreadResult(
    ulong Address,
    int Pid,
    string MainThread,
    string WorkerThread,
    ulong? MainPfn,
    ulong? WorkerPfn,
    bool? SamePfn,
    bool SameEntry,
    bool PfnHidden,
    ulong ValueWritten,
    bool WriteVisible,
    double VisibleAfterUs,
    bool ForkWriteVisible)
{
    /// <summary>Threads share the page (same entry, same frame when visible) and see each other's writes; a forked child's write stays in the child.</summary>
    public bool Holds => WriteVisible && SameEntry && SamePfn != false && !ForkWriteVisible;
}

/// <summary>
/// pthread_memory.c: threads of one process share one address space and one page table, so a write by one
/// thread is visible to the others at once, through the very same frame. Contrast: a fork child's write
/// (copy-on-write) never reaches the parent.
/// </summary>
public static class PthreadExperiment
{
    /// <summary>
    /// Writes <paramref name="value"/> from a second thread into one shared page and waits up to
    /// <paramref name="timeoutMs"/> ms for the main thread to see it; then a forked child writes the same word,
    /// which the parent must not see. Throws <see cref="InvalidOperationException"/> when the worker thread
    /// fails, <see cref="PlatformNotSupportedException"/> off Linux.
    /// </summary>
    public static unsafe PthreadResult Run(ulong value = 0xC0FFEE, int timeoutMs = 5000)
    {
        Platform.RequireLinux("pthread");
        using var m = Mapping.Anonymous((ulong)PageSize.Value);
        var word = (ulong*)m.Pointer;
        Volatile.Write(ref *word, 1);   // present before the worker starts, so both look at the same frame
        PageMapEntry main;
        using (var map = PageMap.OpenSelf())
            main = map.Read(m.Address);
        string mainThread = ThreadSelf();

        PageMapEntry worker = default;
        string workerThread = "";
        Exception? failure = null;
        var clock = new Stopwatch();
        var thread = new Thread(() =>
        {
            try
            {
                workerThread = ThreadSelf();
                using (var map = PageMap.OpenThreadSelf())
                    worker = map.Read(m.Address);
                clock.Start();
                Volatile.Write(ref *word, value);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "vmlab pthread worker" };
        thread.Start();

        // Watch the memory itself, not the thread: the write is visible the moment it is made.
        var deadline = Stopwatch.StartNew();
        bool seen;
        while (!(seen = Volatile.Read(ref *word) == value) && deadline.ElapsedMilliseconds < timeoutMs && failure is null)
            Thread.SpinWait(16);
        double us = clock.Elapsed.TotalMicroseconds;
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException($"pthread: the worker thread failed: {failure.Message}", failure);

        // The contrast: a forked child writes the same word; the parent must not see it.
        var child = Fork.Touch(new ForkTouchPlan(m.Address, 1, 1, value + 1, ReadPageMap: false));
        bool forkVisible = Volatile.Read(ref *word) == child.ValueAfter;

        bool hidden = main.IsPfnHidden || worker.IsPfnHidden;
        // Same entry = present in both views with the same frame bits. The other flag bits are left out on
        // purpose: a fork by any other thread of this process turns "exclusive" off while its child lives.
        bool sameEntry = main.IsPresent && worker.IsPresent && (main.Raw & PageMapEntry.PfnMask) == (worker.Raw & PageMapEntry.PfnMask);
        return new PthreadResult((ulong)m.Address, Environment.ProcessId, mainThread, workerThread,
            main.Pfn, worker.Pfn, hidden ? null : main.Pfn == worker.Pfn, sameEntry, hidden,
            value, seen, us, forkVisible);
    }

    /// <summary>"PID/task/TID" of the calling thread, from the /proc/thread-self link.</summary>
    private static string ThreadSelf() => new DirectoryInfo("/proc/thread-self").LinkTarget ?? "?";
}

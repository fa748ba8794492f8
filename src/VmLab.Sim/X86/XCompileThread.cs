namespace VmLab.Sim.X86;

/// <summary>
/// The thread the JIT compiles regions on while the interpreter goes on (<see cref="XJit{TBus}.Background"/>): one
/// for the process, started at its first use, taking work in the order it was queued. The thread pool would do the
/// same work, but a process's first work items wait for it to create worker threads (3-8 ms, in a run whose first
/// region is what a short program waits for), and where the pool is busy (the web server's requests) a region
/// would wait behind other work or for the pool to grow.
/// </summary>
internal static class XCompileThread
{
    private static readonly Queue<Action> s_work = new();
    private static Thread? s_thread;

    /// <summary>Queues work for the thread (starting it the first time); it runs after what was queued before.
    /// Work must not throw: an exception there is a bug and ends the process, as it would on the thread pool.</summary>
    public static void Queue(Action work)
    {
        lock (s_work)
        {
            if (s_thread is null)
            {
                s_thread = new Thread(Loop) { IsBackground = true, Name = "vmlab x86 JIT" };
                s_thread.Start();
            }
            s_work.Enqueue(work);
            Monitor.Pulse(s_work);
        }
    }

    private static void Loop()
    {
        while (true)
        {
            Action work;
            lock (s_work)
            {
                while (s_work.Count == 0) Monitor.Wait(s_work);
                work = s_work.Dequeue();
            }
            work();
        }
    }
}

using System.Runtime.InteropServices;
using static VmLab.Linux.Interop.Sched;

namespace VmLab.Linux.Timing;

/// <summary>
/// Pins every thread of this process to one CPU and puts each thread's old CPU set back on dispose. For
/// measuring page-table changes the way a single-threaded program pays them: a change to an address space that
/// is in use on several CPUs must be made visible on all of them, which on a virtual machine goes through the
/// hypervisor; a runtime's helper threads (garbage collector, JIT, timers) keep the address space in use on
/// every CPU they run on. Threads started while pinned inherit the pin and keep it after dispose.
/// </summary>
public sealed unsafe class ProcessPin : IDisposable
{
    private const int MaskWords = CpuSetWords;
    private readonly List<(int Tid, ulong[] Mask)> _old = [];
    private bool _disposed;

    /// <summary>Pins every thread to <paramref name="cpu"/>. Throws LinuxException when the kernel refuses.</summary>
    public ProcessPin(int cpu)
    {
        Platform.RequireLinux("CPU pinning");
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaskWords * 64);
        Cpu = cpu;
        var one = new ulong[MaskWords];
        one[cpu / 64] = 1UL << (cpu % 64);
        foreach (int tid in Threads())
        {
            var old = new ulong[MaskWords];
            fixed (ulong* p = old)
                if (sched_getaffinity(tid, MaskWords * 8, p) < 0)
                    continue;   // the thread has exited since the listing
            fixed (ulong* p = one)
                if (sched_setaffinity(tid, MaskWords * 8, p) < 0 && Marshal.GetLastPInvokeError() != Errno.ESRCH)
                    throw new LinuxException("sched_setaffinity", Marshal.GetLastPInvokeError(), $"(pinning thread {tid} to CPU {cpu})");
            _old.Add((tid, old));
        }
    }

    /// <summary>Pins every thread to the CPU the calling thread is running on now.</summary>
    public static ProcessPin ToCurrentCpu() => new(Math.Max(0, sched_getcpu()));

    /// <summary>The CPU every thread runs on while pinned.</summary>
    public int Cpu { get; }

    /// <summary>Threads pinned (those alive when the pin was made).</summary>
    public int PinnedThreads => _old.Count;

    /// <summary>Gives each pinned thread its old CPU set back (threads that have exited are skipped).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var (tid, mask) in _old)
            fixed (ulong* p = mask)
                _ = sched_setaffinity(tid, MaskWords * 8, p);
    }

    private static IEnumerable<int> Threads() =>
        Directory.EnumerateDirectories("/proc/self/task")
            .Select(d => int.TryParse(Path.GetFileName(d), out int t) ? t : -1)
            .Where(t => t > 0)
            .ToArray();
}

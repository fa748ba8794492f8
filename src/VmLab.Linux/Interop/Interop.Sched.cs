using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;sched.h&gt;: CPU affinity, for pinning a process's threads while it measures.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Sched
    {
        /// <summary>Words in glibc's cpu_set_t: 1024 CPUs.</summary>
        internal const int CpuSetWords = 16;

        [LibraryImport(Libraries.Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
        internal static partial int sched_setaffinity(int pid, nint size, ulong* mask);

        [LibraryImport(Libraries.Libc, EntryPoint = "sched_getaffinity", SetLastError = true)]
        internal static partial int sched_getaffinity(int pid, nint size, ulong* mask);

        [LibraryImport(Libraries.Libc, EntryPoint = "sched_getcpu")]
        internal static partial int sched_getcpu();
    }
}

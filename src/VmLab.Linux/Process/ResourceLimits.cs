using static VmLab.Linux.Interop.Spawn;

namespace VmLab.Linux;

/// <summary>
/// setrlimit caps for a process and everything it starts (limits are inherited across fork and exec): memory,
/// CPU seconds, processes of its user, and the size of any file it writes. Zero means "leave as is".
/// </summary>
/// <param name="DataBytes">RLIMIT_DATA: private writable memory (heaps, the GC's committed memory); beyond it
/// mmap, brk and mprotect fail and .NET throws OutOfMemoryException. Unlike RLIMIT_AS it can be applied to a
/// running .NET process, whose address-space reservations are not writable memory.</param>
/// <param name="CpuSeconds">RLIMIT_CPU: SIGXCPU, then SIGKILL one second later.</param>
/// <param name="Processes">RLIMIT_NPROC: fork fails beyond it (threads count; root ignores it outside a user namespace).</param>
/// <param name="FileBytes">RLIMIT_FSIZE: a write that would grow a file past it raises SIGXFSZ.</param>
public sealed record ResourceLimits(ulong DataBytes, ulong CpuSeconds, ulong Processes, ulong FileBytes)
{
    /// <summary>Applies the limits to this process (and so to every process it starts from now on). A limit
    /// already lower stays: limits only ever go down.</summary>
    public void ApplyToSelf() => ApplyTo(0);

    /// <summary>Applies the limits to process <paramref name="pid"/> (0: this one) with prlimit, never raising a
    /// limit it already has; a process that already ended is skipped.</summary>
    public unsafe void ApplyTo(int pid)
    {
        foreach (var (resource, value, name) in Each())
        {
            RLimit old;
            if (prlimit(pid, resource, null, &old) != 0)
            {
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.ESRCH) return;
                throw LinuxException.FromLastError("prlimit", $"{name} of pid {pid}");
            }
            ulong v = Math.Min(value, old.rlim_max);
            var r = new RLimit { rlim_cur = v, rlim_max = v };
            if (prlimit(pid, resource, &r, null) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.ESRCH)
                throw LinuxException.FromLastError("prlimit", $"{name} of pid {pid}");
        }
    }

    private IEnumerable<(int Resource, ulong Value, string Name)> Each()
    {
        if (DataBytes > 0) yield return (RLIMIT_DATA, DataBytes, "RLIMIT_DATA");
        if (CpuSeconds > 0) yield return (RLIMIT_CPU, CpuSeconds, "RLIMIT_CPU");
        if (Processes > 0) yield return (RLIMIT_NPROC, Processes, "RLIMIT_NPROC");
        if (FileBytes > 0) yield return (RLIMIT_FSIZE, FileBytes, "RLIMIT_FSIZE");
    }

    /// <summary>"4096 MiB of memory, 60 CPU seconds, 256 processes, files up to 64 MiB".</summary>
    public override string ToString() => string.Join(", ", new[]
    {
        DataBytes > 0 ? $"{DataBytes >> 20} MiB of memory" : null,
        CpuSeconds > 0 ? $"{CpuSeconds} CPU seconds" : null,
        Processes > 0 ? $"{Processes} processes" : null,
        FileBytes > 0 ? $"files up to {FileBytes >> 20} MiB" : null,
    }.OfType<string>());
}

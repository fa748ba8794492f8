using static VmLab.Linux.Interop.Faults;

namespace VmLab.Linux.Faults;

/// <summary>
/// User-space page-fault handling. Each <see cref="Register(nint, ulong, FaultPolicy, int)"/> adds a range with
/// a policy to a table the native SIGSEGV/SIGBUS handler reads; a fault in a registered range is cured there
/// (in C, inside the signal handler: no managed code runs) and the faulting instruction is retried. A fault
/// anywhere else is passed on to the runtime's handler untouched, so a null dereference is still a
/// <see cref="NullReferenceException"/>. The handler is installed on the first registration, after the
/// runtime's own, and stays installed.
/// </summary>
public static class FaultHandler
{
    // ---- registration ----

    /// <summary>Registers the whole of <paramref name="mapping"/>. The region does not own the mapping.</summary>
    public static FaultRegion Register(Mapping mapping, FaultPolicy policy, int logCapacity = 0)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        return Register(mapping.Address, (ulong)mapping.Length, policy, logCapacity);
    }

    /// <summary>
    /// Registers [address, address+length) (address page-aligned, length rounded up to pages). The first
    /// <paramref name="logCapacity"/> fault addresses are recorded (<see cref="FaultRegion.FaultAddresses"/>).
    /// The range need not be mapped (<see cref="FaultPolicy.MapFreshPage"/> expects a hole). Throws
    /// <see cref="InvalidOperationException"/> when the range overlaps a registered region.
    /// </summary>
    public static FaultRegion Register(nint address, ulong length, FaultPolicy policy, int logCapacity = 0)
    {
        Platform.RequireLinux("user-space fault handling");
        if (!Enum.IsDefined(policy))
            throw new ArgumentOutOfRangeException(nameof(policy), $"unknown fault policy {(int)policy}");
        if (!PageSize.IsAligned((ulong)address))
            throw new ArgumentException($"0x{address:x} is not page-aligned", nameof(address));
        if (length == 0)
            throw new ArgumentOutOfRangeException(nameof(length), "a fault region needs at least one byte");
        ArgumentOutOfRangeException.ThrowIfNegative(logCapacity);
        if (vmlab_region_add(address, (nuint)length, (int)policy, (nuint)logCapacity, out nint region) != 0)
        {
            var e = LinuxException.FromLastError("vmlab_region_add", $"([0x{address:x}, +{length}), {policy})");
            if (e.ErrorNumber == Errno.EEXIST)
                throw new InvalidOperationException($"[0x{address:x}, +{length}) overlaps a registered fault region", e);
            throw e;
        }
        return new FaultRegion(region, address, PageSize.AlignUp(length), policy);
    }

    // ---- queries ----

    /// <summary>Regions registered right now, in this process.</summary>
    public static int RegionCount => IsAvailable ? (int)vmlab_region_count() : 0;

    /// <summary>Old tables and records still waiting for a moment when no handler runs (normally 0).</summary>
    public static int RetiredCount => IsAvailable ? (int)vmlab_region_retired() : 0;

    /// <summary>Faults the native handler saw and passed on to the runtime (addresses no region owned).</summary>
    public static long Chained => IsAvailable ? (long)vmlab_fault_chained() : 0;

    private static bool IsAvailable => Platform.IsLinux;
}

using static VmLab.Linux.Interop.Faults;

namespace VmLab.Linux.Faults;

/// <summary>
/// A registered range whose faults are cured by its <see cref="Policy"/>. Dispose unregisters it (exactly
/// once; the finalizer does it as a last resort): from then on a fault in the range is passed on to the
/// runtime like any other. The region never owns the memory in its range.
/// </summary>
public sealed class FaultRegion : IDisposable
{
    private readonly Lock _lock = new();
    private nint _native;        // the C record; valid until vmlab_region_remove succeeds
    private long _finalFaults, _finalRefused;
    private nint[] _finalLog = [];

    internal FaultRegion(nint native, nint start, ulong length, FaultPolicy policy)
    {
        _native = native;
        Start = start;
        Length = length;
        Policy = policy;
    }

    /// <summary>The last resort when <see cref="Dispose"/> was never called: unregisters without throwing.</summary>
    ~FaultRegion() => Unregister(throwOnError: false);

    // ---- queries ----

    /// <summary>
    /// First address of the range (page-aligned); faults at [Start, <see cref="End"/>) go to <see cref="Policy"/>.
    /// </summary>
    public nint Start { get; }

    /// <summary>Bytes covered (whole pages).</summary>
    public ulong Length { get; }

    /// <summary>First address past the region.</summary>
    public nint End => Start + (nint)Length;

    /// <summary>What the SIGSEGV handler does to cure a fault in the range, fixed at registration.</summary>
    public FaultPolicy Policy { get; }

    /// <summary>
    /// True once <see cref="Dispose"/> unregistered the region; the counters then keep their final values.
    /// </summary>
    public bool IsDisposed
    {
        get { lock (_lock) return _native == 0; }
    }

    /// <summary>True when <paramref name="address"/> lies in [<see cref="Start"/>, <see cref="End"/>).</summary>
    public bool Contains(nint address) => (nuint)address >= (nuint)Start && (nuint)address < (nuint)End;

    /// <summary>Faults the policy cured, counted atomically by the handler; after Dispose, the final count.</summary>
    public long Faults
    {
        get { lock (_lock) return _native != 0 ? (long)vmlab_region_faults(_native) : _finalFaults; }
    }

    /// <summary>Faults inside the range the policy could not cure (passed on to the runtime).</summary>
    public long Refused
    {
        get { lock (_lock) return _native != 0 ? (long)vmlab_region_refused(_native) : _finalRefused; }
    }

    /// <summary>The first cured fault addresses (up to the log capacity given at registration), oldest
    /// first. Complete once the faulting threads are done.</summary>
    public nint[] FaultAddresses()
    {
        lock (_lock)
            return _native != 0 ? ReadLog(_native) : (nint[])_finalLog.Clone();
    }

    // ---- modification ----

    /// <summary>Unregisters the region; later calls do nothing.</summary>
    public void Dispose()
    {
        Unregister(throwOnError: true);
        GC.SuppressFinalize(this);
    }

    private void Unregister(bool throwOnError)
    {
        lock (_lock)
        {
            if (_native == 0)
                return;
            _finalRefused = (long)vmlab_region_refused(_native);
            _finalLog = ReadLog(_native);
            // Fails only for a record C does not know, which would be a bug here; never throw on the finalizer thread.
            if (vmlab_region_remove(_native, out ulong faults) != 0 && throwOnError)
                throw LinuxException.FromLastError("vmlab_region_remove", "(region not registered)");
            _finalFaults = (long)faults;
            _native = 0;
        }
    }

    private static unsafe nint[] ReadLog(nint native)
    {
        // The log holds at most min(faults, capacity) entries; ask for the cured count and let C clip it.
        int capacity = (int)Math.Min(vmlab_region_faults(native), 1 << 20);
        var log = new ulong[capacity];
        fixed (ulong* p = log)
        {
            int n = (int)vmlab_region_log(native, p, (nuint)capacity);
            return log.AsSpan(0, n).ToArray().Select(a => (nint)a).ToArray();
        }
    }

    /// <summary>"FaultRegion([START, END), POLICY, N faults)", with ", disposed" once unregistered.</summary>
    public override string ToString() =>
        $"FaultRegion([0x{Start:x}, 0x{End:x}), {Policy}, {Faults} faults{(IsDisposed ? ", disposed" : "")})";
}

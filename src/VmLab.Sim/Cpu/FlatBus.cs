using VmLab.Sim.Paging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VmLab.Sim.Cpu;

/// <summary>
/// The simplest bus: one array of bytes seen at [BaseAddress, BaseAddress + Memory.Length), readable, writable
/// and executable at every privilege; anything outside is a not-present page fault. For running programs
/// without a kernel, and for tests and benchmarks.
/// </summary>
public readonly struct FlatBus : IMemoryBus
{
    private const int PageSize = 4096;
    private readonly byte[] _memory;
    private readonly ulong _base;
    private readonly bool _pinned;

    /// <summary>Memory's length must be a whole number of pages and baseAddress page-aligned. The CPU reaches an
    /// array given here through TryLoad and TryStore only; <see cref="Allocate"/> gives one it reaches directly.</summary>
    public FlatBus(byte[] memory, ulong baseAddress = 0) : this(memory, baseAddress, pinned: false)
    {
    }

    private FlatBus(byte[] memory, ulong baseAddress, bool pinned)
    {
        if (memory.Length == 0 || memory.Length % PageSize != 0)
            throw new ArgumentException("flat memory must be a non-empty whole number of 4 KiB pages", nameof(memory));
        if (baseAddress % PageSize != 0)
            throw new ArgumentException("flat memory must start on a page boundary", nameof(baseAddress));
        _memory = memory;
        _base = baseAddress;
        _pinned = pinned;
    }

    /// <summary>A bus over zeroed memory of its own (bytes long), allocated pinned, so that the CPU's host TLB reaches
    /// it directly (<see cref="PinnedPages"/>).</summary>
    public static FlatBus Allocate(int bytes, ulong baseAddress = 0) =>
        new(GC.AllocateArray<byte>(bytes, pinned: true), baseAddress, pinned: true);

    /// <summary>The bytes behind the bus (the program's memory, readable by the caller between runs).</summary>
    public byte[] Memory => _memory;

    /// <summary>The virtual address of Memory[0].</summary>
    public ulong BaseAddress => _base;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLoad(ulong va, int size, Access access, Privilege privilege, out ulong value, out MemoryFault fault)
    {
        ulong off = va - _base;
        if (off <= (ulong)(_memory.Length - size))
        {
            ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_memory), (nint)off);
            value = SizedAccess.Read(ref p, size);
            fault = default;
            return true;
        }
        value = 0;
        fault = MemoryFault.Page(va, access, privilege, present: false);
        return false;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryStore(ulong va, int size, ulong value, Privilege privilege, out MemoryFault fault)
    {
        ulong off = va - _base;
        if (off <= (ulong)(_memory.Length - size))
        {
            ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_memory), (nint)off);
            SizedAccess.Write(ref p, size, value);
            fault = default;
            return true;
        }
        fault = MemoryFault.Page(va, Access.Write, privilege, present: false);
        return false;
    }

    /// <summary>Whether Memory was allocated pinned (<c>GC.AllocateArray(n, pinned: true)</c>): then the CPU keeps
    /// its pages' host addresses in its host TLB; otherwise every access goes through TryLoad and TryStore.</summary>
    public bool PinnedPages => _pinned;

    /// <inheritdoc/>
    public bool TryGetPage(ulong va, Access access, Privilege privilege, out byte[] page, out int offset)
    {
        ulong off = va - _base;
        page = _memory;
        offset = (int)(off & ~(ulong)(PageSize - 1));
        return off < (ulong)_memory.Length;
    }
}

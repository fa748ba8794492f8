using VmLab.Sim.Paging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VmLab.Sim.Cpu;

/// <summary>Permissions of one page of a <see cref="PagedTestMemory"/>, with the x86 PTE bit values.</summary>
[Flags]
public enum PagePerm : ulong
{
    /// <summary>Not mapped: every access faults.</summary>
    None = 0,
    /// <summary>P: the page is mapped.</summary>
    Present = 1,
    /// <summary>W: stores are allowed.</summary>
    Writable = 2,
    /// <summary>U: user code may touch it (without it, supervisor only).</summary>
    User = 4,
    /// <summary>Fetches fault (x86 NX, bit 63).</summary>
    NoExecute = 1UL << 63,
    /// <summary>Present, writable, user: what a process's data page has.</summary>
    UserRw = Present | Writable | User,
    /// <summary>Present, user, read-only.</summary>
    UserRo = Present | User,
}

/// <summary>
/// A paged-like memory for tests: a single-level table of x86-style entries (frame number and
/// P/W/U/NX bits) over an array of 4 KiB frames. Not the machine's MMU; it gives the CPU the same kinds of
/// answers (present/permission faults with real error codes) and counts the faults it reports.
/// </summary>
public sealed class PagedTestMemory
{
    /// <summary>Bytes per page and per frame.</summary>
    public const int PageSize = 4096;
    private const ulong FrameMask = 0x000F_FFFF_FFFF_F000UL;

    internal readonly ulong[] Entries;

    /// <param name="frames">Physical frames available.</param>
    /// <param name="virtualPages">Pages of virtual address space, starting at address 0.</param>
    public PagedTestMemory(int frames, int virtualPages)
    {
        Physical = GC.AllocateArray<byte>(checked(frames * PageSize), pinned: true);
        Entries = new ulong[virtualPages];
    }

    /// <summary>The frames, frame n at offset n * 4096.</summary>
    public byte[] Physical { get; }

    /// <summary>Faults reported so far (all kinds).</summary>
    public int FaultCount { get; internal set; }

    /// <summary>Maps the page holding va to frame with perm (Present is implied).</summary>
    public void Map(ulong va, int frame, PagePerm perm)
    {
        if ((ulong)frame * PageSize >= (ulong)Physical.Length)
            throw new ArgumentOutOfRangeException(nameof(frame), "map: no such frame");
        Entries[Vpn(va)] = (ulong)frame * PageSize | (ulong)(perm | PagePerm.Present);
    }

    /// <summary>Removes the mapping of the page holding va.</summary>
    public void Unmap(ulong va) => Entries[Vpn(va)] = 0;

    /// <summary>Changes the permissions of a mapped page, keeping its frame.</summary>
    public void Protect(ulong va, PagePerm perm)
    {
        ref ulong e = ref Entries[Vpn(va)];
        if ((e & (ulong)PagePerm.Present) == 0)
            throw new InvalidOperationException($"protect: 0x{va:x} is not mapped");
        e = (e & FrameMask) | (ulong)(perm | PagePerm.Present);
    }

    /// <summary>The permissions of the page holding va (None when unmapped).</summary>
    public PagePerm PermOf(ulong va) => (PagePerm)(Entries[Vpn(va)] & ~FrameMask);

    /// <summary>The physical offset of va, or -1 when unmapped.</summary>
    public long PhysicalOf(ulong va)
    {
        ulong e = Entries[Vpn(va)];
        return (e & 1) == 0 ? -1 : (long)((e & FrameMask) | (va & (PageSize - 1)));
    }

    /// <summary>Writes bytes into mapped memory at va (pages must be mapped), ignoring permissions.</summary>
    public void Poke(ulong va, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
            Physical[MappedOffset(va + (ulong)i, "poke")] = bytes[i];
    }

    /// <summary>Reads bytes of mapped memory at va, ignoring permissions.</summary>
    public byte[] Peek(ulong va, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
            result[i] = Physical[MappedOffset(va + (ulong)i, "peek")];
        return result;
    }

    private long MappedOffset(ulong va, string who)
    {
        long pa = PhysicalOf(va);
        return pa >= 0 ? pa : throw new InvalidOperationException($"{who}: 0x{va:x} is not mapped");
    }

    private int Vpn(ulong va) =>
        va / PageSize < (ulong)Entries.Length ? (int)(va / PageSize) : throw new ArgumentOutOfRangeException(nameof(va), $"0x{va:x} is outside the table");
}

/// <summary>The bus view of a <see cref="PagedTestMemory"/>: every access is translated and permission-checked.</summary>
public readonly struct PagedTestBus(PagedTestMemory memory) : IMemoryBus
{
    private const ulong FrameMask = 0x000F_FFFF_FFFF_F000UL;

    /// <summary>The memory this bus translates into.</summary>
    public PagedTestMemory Memory => memory;

    /// <summary>Translates va for access, or reports the fault an x86 MMU would.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Translate(ulong va, Access access, Privilege privilege, out nint pa, out MemoryFault fault)
    {
        ulong vpn = va >> 12;
        ulong[] entries = memory.Entries;
        ulong e = vpn < (ulong)entries.Length ? entries[(int)vpn] : 0;
        bool ok = (e & (ulong)PagePerm.Present) != 0
            && (privilege == Privilege.Supervisor || (e & (ulong)PagePerm.User) != 0)
            && (access != Access.Write || (e & (ulong)PagePerm.Writable) != 0)
            && (access != Access.Fetch || (e & (ulong)PagePerm.NoExecute) == 0);
        if (ok)
        {
            pa = (nint)((e & FrameMask) | (va & 0xFFF));
            fault = default;
            return true;
        }
        pa = 0;
        memory.FaultCount++;
        fault = MemoryFault.Page(va, access, privilege, present: (e & (ulong)PagePerm.Present) != 0);
        return false;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLoad(ulong va, int size, Access access, Privilege privilege, out ulong value, out MemoryFault fault)
    {
        if (!Translate(va, access, privilege, out nint pa, out fault))
        {
            value = 0;
            return false;
        }
        ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(memory.Physical), pa);
        value = SizedAccess.Read(ref p, size);
        return true;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryStore(ulong va, int size, ulong value, Privilege privilege, out MemoryFault fault)
    {
        if (!Translate(va, Access.Write, privilege, out nint pa, out fault))
            return false;
        ref byte p = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(memory.Physical), pa);
        SizedAccess.Write(ref p, size, value);
        return true;
    }

    /// <summary>True: the frames are allocated pinned.</summary>
    public bool PinnedPages => true;

    /// <inheritdoc/>
    public bool TryGetPage(ulong va, Access access, Privilege privilege, out byte[] page, out int offset)
    {
        page = memory.Physical;
        offset = 0;
        ulong vpn = va >> 12;
        ulong e = vpn < (ulong)memory.Entries.Length ? memory.Entries[(int)vpn] : 0;
        bool ok = (e & (ulong)PagePerm.Present) != 0
            && (privilege == Privilege.Supervisor || (e & (ulong)PagePerm.User) != 0)
            && (access != Access.Write || (e & (ulong)PagePerm.Writable) != 0)
            && (access != Access.Fetch || (e & (ulong)PagePerm.NoExecute) == 0);
        offset = (int)(e & FrameMask);
        return ok;
    }
}

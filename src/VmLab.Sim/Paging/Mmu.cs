using System.Runtime.CompilerServices;
using VmLab.Sim.Memory;
using static VmLab.Sim.Paging.Pte;
using static VmLab.Sim.Paging.VirtualAddress;

namespace VmLab.Sim.Paging;

/// <summary>
/// The page walker of an x86-64 CPU in 4-level paging mode (Intel SDM vol. 3A, 4.5-4.8). Translates a linear
/// address through the tables in physical memory, checks access rights (4.6), sets accessed/dirty flags (4.8),
/// and reports faults as the hardware does: #GP for a non-canonical address, #PF with CR2 and the error code
/// (P, W/R, U/S, RSVD, I/D) otherwise. It caches nothing: see <see cref="Tlb"/> for the cached path.
/// The control bits it honours belong to the CPU; they live here so every CPU sharing the walker agrees.
/// </summary>
public sealed partial class Mmu
{
    private readonly PhysicalMemory _memory;
    private bool _writeProtect = true, _noExecute = true, _globalPages = true;
    private int _maxPhysBits = 46;
    private ulong _addressReserved;      // bits 51:MAXPHYADDR, reserved at every level

    /// <summary>
    /// An MMU walking page tables stored in <paramref name="memory"/>, with CR0.WP, EFER.NXE and CR4.PGE on and a
    /// 46-bit MAXPHYADDR.
    /// </summary>
    public Mmu(PhysicalMemory memory)
    {
        _memory = memory;
        _addressReserved = ReservedAddressBits(_maxPhysBits);
    }

    /// <summary>The physical memory the page walk reads entries from (and sets A/D bits in).</summary>
    public PhysicalMemory Memory => _memory;

    /// <summary>CR0.WP: when set, supervisor writes honour read-only pages too.</summary>
    public bool WriteProtect { get => _writeProtect; set { _writeProtect = value; Version++; } }

    /// <summary>IA32_EFER.NXE: when set, PTE_NX forbids instruction fetches; when clear, bit 63 is reserved.</summary>
    public bool NoExecuteEnable { get => _noExecute; set { _noExecute = value; Version++; } }

    /// <summary>CR4.PGE: when set, TLB entries of PTE_G pages survive a CR3 reload.</summary>
    public bool GlobalPagesEnable { get => _globalPages; set { _globalPages = value; Version++; } }

    /// <summary>MAXPHYADDR (CPUID 80000008H): address bits above it in an entry are reserved (RSVD fault).</summary>
    public int MaxPhysicalAddressBits
    {
        get => _maxPhysBits;
        set
        {
            if (value is < 32 or > 52) throw new ArgumentOutOfRangeException(nameof(value), "MAXPHYADDR is between 32 and 52");
            _maxPhysBits = value;
            _addressReserved = ReservedAddressBits(value);
            Version++;
        }
    }

    /// <summary>Changes whenever a control bit changes; TLBs flush when they see a new value.</summary>
    public int Version { get; private set; }

    /// <summary>Full page walks performed.</summary>
    public long Walks { get; private set; }

    /// <summary>Translates <paramref name="va"/> under the table at <paramref name="cr3"/>. On success sets A
    /// (and D for writes) and returns the physical address; on failure leaves memory untouched and returns the
    /// fault. Allocates nothing.</summary>
    public bool TryTranslate(ulong cr3, ulong va, Access access, Privilege privilege, out ulong pa, out MemoryFault fault)
    {
        var none = new NoObserver();
        if (Walk(cr3, va, access, privilege, ref none, out var r, out fault))
        {
            pa = r.Frame + (va & OffsetMask(r.Level));
            return true;
        }
        pa = ulong.MaxValue;
        return false;
    }

    /// <summary>As <see cref="TryTranslate"/>, throwing <see cref="MemoryFaultException"/> on a fault.</summary>
    public ulong Translate(ulong cr3, ulong va, Access access, Privilege privilege) =>
        TryTranslate(cr3, va, access, privilege, out ulong pa, out var fault) ? pa : throw new MemoryFaultException(fault);

    /// <summary>The same walk, recorded step by step for teaching (allocates; not for the fast path).</summary>
    public WalkTrace Trace(ulong cr3, ulong va, Access access, Privilege privilege)
    {
        var rec = new Recorder { Steps = [] };
        bool ok = Walk(cr3, va, access, privilege, ref rec, out var r, out var fault);
        var steps = rec.Steps.Select(s => s with { EntryAfter = _memory.ReadU64(s.EntryAddress) }).ToList();
        return new WalkTrace(va, access, privilege, cr3, steps, ok ? r.Frame + (va & OffsetMask(r.Level)) : null,
            ok ? r.Level : -1, ok ? r.Rights : 0, fault);
    }

    /// <summary>The walk itself. <typeparamref name="TObserver"/> is a struct so the untraced path compiles to
    /// nothing extra.</summary>
    internal bool Walk<TObserver>(ulong cr3, ulong va, Access access, Privilege privilege, ref TObserver observer,
        out WalkResult result, out MemoryFault fault) where TObserver : struct, IWalkObserver
    {
        result = default;
        if (!IsCanonical(va))
        {
            fault = new MemoryFault(FaultKind.GeneralProtection, va, access, PageFaultError.None);
            return false;
        }
        Walks++;
        var error = (access == Access.Write ? PageFaultError.Write : 0)
                  | (privilege == Privilege.User ? PageFaultError.User : 0)
                  | (access == Access.Fetch && _noExecute ? PageFaultError.InstructionFetch : 0);
        ulong nxReserved = _noExecute ? 0 : PTE_NX;
        ulong table = cr3 & PTE_PAMASK;
        ulong rights = PTE_W | PTE_U, nx = 0;
        EntryPath path = default;
        int level = 3;
        ulong e;
        while (true)
        {
            ulong ea = table + (ulong)Index(va, level) * 8;
            e = _memory.ReadU64(ea);
            observer.Step(level, table, ea, e);
            if ((e & PTE_P) == 0) return PageFault(va, access, error, out fault);
            bool large = (e & PTE_PS) != 0;
            ulong reserved = _addressReserved | nxReserved | level switch
            {
                3 => PTE_PS,                                   // no 512 GiB pages
                2 when large => 0x3FFF_E000UL,                 // bits 29:13 of a 1 GiB PDPTE
                1 when large => 0x1F_E000UL,                   // bits 20:13 of a 2 MiB PDE
                _ => 0,
            };
            if ((e & reserved) != 0) return PageFault(va, access, error | PageFaultError.Present | PageFaultError.ReservedBit, out fault);
            rights &= e;
            nx |= e & PTE_NX;
            path[level] = ea;
            if (level == 0 || large) break;
            table = e & PTE_PAMASK;
            level--;
        }
        if (_noExecute) rights |= nx;
        if (!Allowed(rights, access, privilege)) return PageFault(va, access, error | PageFaultError.Present, out fault);

        // Only a successful access marks the entries it used (A at every level, D in the leaf for a write),
        // so a faulting access leaves the tables byte-identical.
        for (int l = 3; l >= level; l--)
        {
            ulong old = _memory.ReadU64(path[l]);
            ulong updated = old | PTE_A | (l == level && access == Access.Write ? PTE_D : 0);
            if (updated != old) _memory.WriteU64(path[l], updated);
        }
        result = new WalkResult(e & PTE_PAMASK & ~OffsetMask(level), level, rights,
            (e & PTE_G) != 0, access == Access.Write || (e & PTE_D) != 0);
        fault = MemoryFault.None;
        return true;
    }

    /// <summary>The access-rights rules of SDM 4.6 under the current CR0.WP: may an access with these combined
    /// rights (PTE_W and PTE_U ANDed over all levels, PTE_NX ORed, as <see cref="VmIter.Perm"/> reports) proceed?</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allowed(ulong rights, Access access, Privilege privilege)
    {
        if (privilege == Privilege.User && (rights & PTE_U) == 0) return false;
        return access switch
        {
            Access.Write => (rights & PTE_W) != 0 || (privilege == Privilege.Supervisor && !_writeProtect),
            Access.Fetch => (rights & PTE_NX) == 0,
            _ => true,
        };
    }

    private static bool PageFault(ulong va, Access access, PageFaultError error, out MemoryFault fault)
    {
        fault = new MemoryFault(FaultKind.PageFault, va, access, error);
        return false;
    }

    private static ulong ReservedAddressBits(int maxPhysBits) => PTE_PAMASK & ~((1UL << maxPhysBits) - 1);

    [InlineArray(4)]
    internal struct EntryPath { private ulong _e0; }

    internal struct NoObserver : IWalkObserver
    {
        public readonly void Step(int level, ulong table, ulong entryAddress, ulong entry) { }
    }

    private struct Recorder : IWalkObserver
    {
        public List<WalkStep> Steps;
        public readonly void Step(int level, ulong table, ulong entryAddress, ulong entry) =>
            Steps.Add(new WalkStep(level, TableEntryLine.TableName(level), table, (int)((entryAddress - table) / 8),
                entryAddress, entry, entry));
    }
}

/// <summary>Receives each entry a walk reads.</summary>
internal interface IWalkObserver
{
    void Step(int level, ulong table, ulong entryAddress, ulong entry);
}

/// <summary>A successful walk: the leaf page's base, its level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), the combined
/// W/U/NX rights, whether the leaf is global, and whether it is now dirty.</summary>
internal readonly record struct WalkResult(ulong Frame, int Level, ulong Rights, bool Global, bool Dirty);

/// <summary>One level of a recorded walk: the table read, the slot, and the entry before and after the walk.</summary>
public sealed record WalkStep(int Level, string Table, ulong TablePa, int Index, ulong EntryAddress, ulong EntryBefore, ulong EntryAfter);

/// <summary>A recorded walk: the steps, then either the physical address or the fault.</summary>
public sealed record WalkTrace(ulong Va, Access Access, Privilege Privilege, ulong Cr3, IReadOnlyList<WalkStep> Steps,
    ulong? Pa, int LeafLevel, ulong Rights, MemoryFault Fault);

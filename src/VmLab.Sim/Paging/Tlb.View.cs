namespace VmLab.Sim.Paging;

/// <summary>One valid TLB entry as a viewer shows it: the 4 KiB virtual page, the frame it caches, the size of
/// the page it came from, and which user accesses may hit without a walk.</summary>
public sealed record TlbEntryView(int Slot, ulong Va, ulong Pa, int Level, bool Global, bool UserRead, bool UserWrite, bool UserExec,
    bool SupervisorWrite);

public sealed partial class Tlb
{
    /// <summary>CR3 loads since the TLB was made (each drops every non-global entry).</summary>
    public long Cr3Loads { get; private set; }

    /// <summary>INVLPGs since the TLB was made, and the address of the last one.</summary>
    public long Invlpgs { get; private set; }

    /// <summary>The virtual address given to the most recent <see cref="Invlpg"/>, or null before the first.</summary>
    public ulong? LastInvlpg { get; private set; }

    /// <summary>Entries the TLB can hold.</summary>
    public int Capacity => _entries.Length;

    /// <summary>The valid entries, by slot. A write that may not hit (UserWrite false) still succeeds when the
    /// walk allows it: the entry only lacks the dirty bit.</summary>
    public IReadOnlyList<TlbEntryView> Entries()
    {
        var list = new List<TlbEntryView>();
        for (int i = 0; i < _entries.Length; i++)
        {
            var e = _entries[i];
            if (e.Tag == 0) continue;
            bool Hit(Access a, Privilege p) => ((e.Allowed >> ((int)a * 2 + (int)p)) & 1) != 0;
            list.Add(new TlbEntryView(i, (e.Tag - 1) << VirtualAddress.PageShift, e.Frame, e.Level, e.Global,
                Hit(Access.Read, Privilege.User), Hit(Access.Write, Privilege.User), Hit(Access.Fetch, Privilege.User),
                Hit(Access.Write, Privilege.Supervisor)));
        }
        return list;
    }

    /// <summary>Whether a user <paramref name="access"/> to <paramref name="va"/> would hit now (no walk).</summary>
    public bool Holds(ulong va, Access access)
    {
        ulong vpn = va >> VirtualAddress.PageShift;
        ref readonly var e = ref _entries[(int)vpn & _mask];
        return e.Tag == vpn + 1 && _version == _mmu.Version && ((e.Allowed >> ((int)access * 2 + (int)Privilege.User)) & 1) != 0;
    }
}

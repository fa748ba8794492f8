namespace VmLab.Sim.Paging;

public sealed partial class Tlb
{
    /// <summary>The cached entries, CR3 and the counters, as <see cref="Save"/> took them.</summary>
    internal sealed class State
    {
        internal required Entry[] Entries { get; init; }
        internal required int Version { get; init; }
        internal required bool AnyLarge { get; init; }
        internal required ulong Cr3 { get; init; }
        internal required long Hits { get; init; }
        internal required long Misses { get; init; }
        internal required long Cr3Loads { get; init; }
        internal required long Invlpgs { get; init; }
        internal required ulong? LastInvlpg { get; init; }
    }

    internal State Save() => new()
    {
        Entries = [.. _entries], Version = _version, AnyLarge = _anyLarge, Cr3 = Cr3, Hits = Hits, Misses = Misses,
        Cr3Loads = Cr3Loads, Invlpgs = Invlpgs, LastInvlpg = LastInvlpg,
    };

    internal void Restore(State s)
    {
        s.Entries.CopyTo(_entries, 0);
        (_version, _anyLarge, Cr3, Hits, Misses) = (s.Version, s.AnyLarge, s.Cr3, s.Hits, s.Misses);
        (Cr3Loads, Invlpgs, LastInvlpg) = (s.Cr3Loads, s.Invlpgs, s.LastInvlpg);
    }
}

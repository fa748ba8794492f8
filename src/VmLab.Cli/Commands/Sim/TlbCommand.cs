using VmLab.Sim.Exercises;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim tlb</c>: a page-table change without INVLPG reads stale data; the flush fixes it.</summary>
internal static class TlbCommand
{
    public static Verb Create() => new Verb("tlb", "a mapping change without INVLPG reads stale data through the TLB; INVLPG fixes it",
        """
        Maps a user page to frame A and reads it (TLB miss, walk, fill), reads again (hit), then rewrites the PTE to
        point at frame B without INVLPG: the CPU keeps translating through the cached entry and still reads A.
        After INVLPG the next read walks the table and sees B. Finally a CR3 reload drops ordinary entries but keeps
        a global (PTE_G) one, as CR4.PGE specifies.
        """,
        """{"steps":[{"action","read","expected","stale","hits","misses"}], "stale_read_seen", "invlpg_fixed", …}""",
        "vmlab sim tlb", "vmlab sim tlb --json")
    {
        Tour = new("The TLB caches translations and never watches the page table: change a mapping without INVLPG and the CPU "
                   + "keeps reading the old frame."),
    }.Reports(_ => TlbDemo.Run(), Holds, (r, res) =>
    {
        r.Title("A stale TLB entry, and INVLPG");
        r.Explain($"Virtual page {Hex(res.Va)} first maps frame A at {Hex(res.OldFrame)}, then the PTE is rewritten to frame B at {Hex(res.NewFrame)}.");
        r.Table(["step", "CPU read", "page table says", "stale", "hits", "misses"],
            res.Steps.Select(s => (IReadOnlyList<string>)[s.Action, s.Read, s.Expected, s.Stale ? "STALE" : "ok", s.Hits.ToString(), s.Misses.ToString()]));
        r.Verdict(Holds(res),
            "without INVLPG the CPU read the old frame; after INVLPG it read the new one; the global entry survived the CR3 reload",
            "the stale read or its cure was not observed");
    });

    private static bool Holds(TlbDemoResult r) => r.StaleReadSeen && r.InvlpgFixed && r.GlobalSurvivedCr3Reload;
}

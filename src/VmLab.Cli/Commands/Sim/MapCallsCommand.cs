using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim map-calls</c>: the vmiter map calls that realise a mapping, run on a real table (seed 003 A3).</summary>
internal static class MapCallsCommand
{
    public static Verb Create()
    {
        var pairs = PairsArgument("address pairs, hex (0x…) or decimal; they must form a valid mapping");
        var perm = Opt.Parsed("--perm", "permissions for every call: PTE_ names joined by | (must include PTE_P)", "PERM", Pte.PTE_P | Pte.PTE_W,
                t => Perm(t) is var p && (p & Pte.PTE_P) != 0 ? p : throw new UsageException("--perm must include PTE_P (a map call without it unmaps)"));
        return new Verb("map-calls", "the vmiter map calls that realise VA->PA pairs, run on a real page table (A3)",
            """
            Writes the page-aligned vmiter map calls that add the given mappings to a page table pt3 (vmiter::map needs
            page-aligned addresses, so each pair becomes one call for its page), performs them on a fresh 4-level table
            in simulated physical memory, dumps every present entry of the resulting table, and translates each pair
            through the MMU to check it. The pairs must form a valid mapping (see check-mapping).
            """,
            """{"calls":[{"va","pa","perm","c","csharp"}], "table":[…], "translations":[…], "table_pages"}""",
            "vmlab sim map-calls 0->0x1F000 0x4019->0x19 0x1000FF->0x500FF      (A3)",
            "vmlab sim map-calls 0x400000->0x2000 --perm 'PTE_P|PTE_U'")
        {
            Tour = new("Exercise A3: the vmiter calls that build a given mapping. Each call maps one aligned page; the table pages "
                       + "(PML4, PDPT, PD, PT) appear as the calls need them.",
                       "0->0x1F000", "0x4019->0x19", "0x1000FF->0x500FF"),
        }.Takes(
            pairs,
            perm)
        .Does(ctx =>
        {
            var list = Pairs(ctx, pairs);
            var verdict = MappingCheck.Check(list);
            if (!verdict.Valid) throw new RefusedException("these pairs are not a valid mapping: " + verdict.Reason);
            var result = MapCalls.Realise(list, ctx.Get(perm));
            var translations = Translations(result.Checks);
            bool allOk = result.Checks.All(c => c.Ok);
            var entries = result.Table.Select(l => new EntryJson(TableEntryLine.TableName(l.Level), l.Level, Hex(l.TablePa), l.Index,
                Hex16(l.Entry), l.Flags, Hex(l.Va), l.Leaf)).ToList();
            var json = new Json([.. result.Calls.Select(c => new CallJson(Hex(c.Va), Hex(c.Pa), Pte.FormatConstants(c.Perm), c.C, c.CSharp))],
                Hex(result.Root), result.TablePages, entries, translations, allOk);
            return ctx.Emit(json, allOk, r =>
            {
                r.Title("vmiter calls that realise the mapping");
                r.Explain("vmiter::map maps one page-aligned virtual page to one page-aligned frame, so each pair becomes a call "
                          + "for the page containing it; pairs on the same page share a call. Map allocates missing table pages.");
                r.Section("Calls (WeensyOS C++)");
                foreach (var c in result.Calls) r.Line("  " + c.C);
                r.Section("Calls (VmLab C#)");
                foreach (var c in result.Calls) r.Line("  " + c.CSharp);
                r.Section($"Resulting table: {result.TablePages} table pages, root (CR3) {Hex(result.Root)}");
                r.Table(["table", "table at", "index", "entry", "flags", "first va", "kind"],
                    entries.Select(e => (IReadOnlyList<string>)[e.Table, e.TablePa, e.Index.ToString(), e.Entry, e.Flags, e.Va, e.Leaf ? "page" : "next table"]));
                r.Section("Translations by the MMU");
                Translations(r, "translated to", translations);
                r.Verdict(allOk, $"{result.Calls.Count} map call(s) realise all {list.Count} pair(s)", "some pair does not translate as given");
            });
        });
    }

    private sealed record CallJson(string Va, string Pa, string Perm, string C, string Csharp);

    private sealed record EntryJson(string Table, int Level, string TablePa, int Index, string Entry, string Flags, string Va, bool Leaf);

    private sealed record Json(IReadOnlyList<CallJson> Calls, string Root, int TablePages, IReadOnlyList<EntryJson> Table,
        IReadOnlyList<TranslationJson> Translations, bool AllTranslate);
}

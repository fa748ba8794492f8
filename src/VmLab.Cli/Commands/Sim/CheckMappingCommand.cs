using VmLab.Sim.Exercises;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim check-mapping</c>: can these VA->PA pairs come from one x86-64 mapping? (seed 003 A1, A2, A4)</summary>
internal static class CheckMappingCommand
{
    public static Verb Create()
    {
        var pairs = PairsArgument("address pairs, hex (0x…) or decimal");
        var memory = Opt.Size("--memory", "also require physical addresses below SIZE (e.g. 2M); default: the 52-bit limit", 0, 0x1000, 1L << 52);
        return new Verb("check-mapping", "can these VA->PA pairs come from one valid x86-64 page mapping? (A1, A2, A4)",
            """
            Decides whether the pairs can all come from one valid x86-64 virtual memory mapping function: one that is
            piecewise linear on aligned 4 KiB pages. The rules: the page offset (low 12 bits) passes through unchanged;
            one virtual page maps to one frame (but several virtual pages may share a frame); virtual addresses must be
            canonical 48-bit addresses; physical addresses must exist. When the rules hold, the pairs are mapped into a
            real page table and the MMU translates each one, so "valid" is shown on the machine.

            Exit status: 0 when the pairs form a valid mapping, 1 when they do not.
            """,
            """{"valid", "reason", "violations":[{"rule","pairs","explanation"}], "virtual_pages", "frames", ...}""",
            "vmlab sim check-mapping 0->0 10->10 0x3009->0x19009      (A1)",
            "vmlab sim check-mapping 4095->8193 4096->0               (A2)",
            "vmlab sim check-mapping 0->0x1F000 0x1000->0x1F000 0x2000->0x1F000   (A4)")
        {
            Tour = new("Paging maps whole 4 KiB pages: the offset inside a page passes through. Exercise A2 breaks that rule; "
                       + "here the tool checks A4, where three virtual pages share one frame, which is allowed.",
                       "0->0x1F000", "0x1000->0x1F000", "0x2000->0x1F000"),
        }.Takes(
            pairs,
            memory)
        .Does(ctx =>
        {
            var list = Pairs(ctx, pairs);
            long limit = ctx.Get(memory);
            var v = MappingCheck.Check(list, limit == 0 ? null : (ulong)limit);
            var translations = v.Realisation is { } real ? Translations(real.Checks) : null;
            var json = new Json(v.Valid, v.Reason,
                [.. v.Violations.Select(x => new ViolationJson(RuleName(x.Rule), [.. x.Pairs.Select(p => p.ToString())], x.Explanation))],
                v.VirtualPages, v.Frames, v.Realisation?.Calls.Select(c => c.C).ToList(), translations);
            return ctx.Emit(json, v.Valid, r =>
            {
                r.Title("Can these pairs come from one x86-64 mapping function?");
                r.Explain("x86-64 translates the page number (bits 47:12) through the page table and passes the page offset "
                          + "(bits 11:0) through unchanged, so a mapping function is linear on each aligned 4 KiB page.");
                r.Section("Pairs");
                r.Table(["VA", "PA", "virtual page", "frame", "VA offset", "PA offset"],
                    list.Select(p => (IReadOnlyList<string>)[Hex(p.Va), Hex(p.Pa), Hex(p.Va >> 12 << 12), Hex(p.Pa >> 12 << 12), Hex(p.Va & 0xFFF), Hex(p.Pa & 0xFFF)]));
                if (v.Violations.Count > 0)
                {
                    r.Section("Rules broken");
                    foreach (var x in v.Violations) r.Line($"  - {RuleName(x.Rule)}: {x.Explanation}");
                }
                if (v.Realisation is { } realised)
                {
                    r.Section("Realised on a page table and translated by the MMU");
                    foreach (var c in realised.Calls) r.Line("  " + c.C);
                    r.Line();
                    Translations(r, "MMU translation", translations!);
                }
                r.Verdict(v.Valid, v.Reason, "not a valid mapping: " + v.Reason);
            });
        });
    }

    private sealed record Json(bool Valid, string Reason, IReadOnlyList<ViolationJson> Violations, int VirtualPages, int Frames,
        IReadOnlyList<string>? MapCalls, IReadOnlyList<TranslationJson>? Translations);

    private sealed record ViolationJson(string Rule, IReadOnlyList<string> Pairs, string Explanation);

    internal static string RuleName(MappingRule rule) => rule switch
    {
        MappingRule.PageOffsetNotPreserved => "page offset not preserved",
        MappingRule.VirtualPageToTwoFrames => "one virtual page mapped to two frames",
        MappingRule.NonCanonicalAddress => "non-canonical virtual address",
        _ => "physical address out of range",
    };
}

using VmLab.Sim.Exercises;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim pages</c>: how many virtual and physical pages an object overlaps (seed 003 A5-A7).</summary>
internal static class PagesCommand
{
    public static Verb Create()
    {
        var aligned = Opt.Flag("--aligned", "the object is page-aligned (A5/A6); --va defaults to 0");
        var size = Opt.Size("--size", "its size in bytes (> 0; decimal, 0x hex, or 64K / 2M)", 0, 1, long.MaxValue);
        var va = Opt.Address("--va", "the object's virtual address (hex or decimal); required unless --aligned");
        return new Verb("pages", "how many virtual and physical pages an object of size N at va overlaps (A5-A7)",
            $"""
            Counts the virtual pages the object [va, va+N) overlaps: (va + N - 1)/4096 - va/4096 + 1, which for a
            page-aligned object is ceil(N/4096). The physical pages it overlaps lie between 1 and that number: every
            virtual page maps to exactly one frame, but several virtual pages may map to the same frame (a valid
            mapping, see A4), so the frames can be as few as one. Objects up to {PageCount.DemonstrationLimit} pages are then mapped on
            real page tables both ways (all pages on one shared frame; one frame each) and the frames reached by the
            MMU are counted, which shows both bounds are attained.
            """,
            """{"virtual_pages", "min_physical_pages", "max_physical_pages", "virtual_formula", ...}""",
            "vmlab sim pages --aligned --size 10000      (A5/A6)", "vmlab sim pages --va 0x1ff0 --size 32      (A7)")
        {
            Tour = new("Exercises A5-A7: a 32-byte object can straddle two virtual pages; those two pages may still share one frame.",
                "--va", "0x1ff0", "--size", "32"),
        }.Takes(
            va,
            size,
            aligned)
        .Does(ctx =>
        {
            bool isAligned = ctx.Get(aligned);
            ulong? at = ctx.Get(va);
            if (!ctx.Given(size)) throw new UsageException("--size is required (the object's size in bytes, > 0)");
            if (at is null && !isAligned) throw new UsageException("--va is required unless --aligned is given (A7 depends on where the object starts)");
            long bytes = ctx.Get(size);
            PageCountResult res;
            try { res = PageCount.Compute(at ?? 0, (ulong)bytes, isAligned); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            bool holds = !res.Demonstrated || (res.SharedFrameMappingFrames == 1 && res.DistinctFrameMappingFrames == res.VirtualPages);
            return ctx.Emit(res, holds, r =>
            {
                r.Title($"Pages overlapped by a {bytes}-byte object at {Hex(res.Va)}{(isAligned ? " (page-aligned)" : "")}");
                r.Fact("object", $"[{Hex(res.Va)}, {Hex(res.Va + res.Size)})");
                r.Fact("virtual pages", res.VirtualPages);
                r.Fact("  formula", res.VirtualFormula);
                r.Fact("physical pages", $"{res.MinPhysicalPages} to {res.MaxPhysicalPages}");
                r.Fact("  formula", res.PhysicalFormula);
                r.Line();
                r.Explain(res.Explanation);
                if (!res.Demonstrated)
                {
                    r.Note($"more than {PageCount.DemonstrationLimit} pages: the bounds are given by the formula and not mapped on a real table");
                    r.Answer($"the object overlaps {res.VirtualPages} virtual page(s) and between 1 and {res.VirtualPages} physical page(s)");
                    return;
                }
                r.Section("On real page tables");
                r.Fact("all pages on one shared frame", $"{res.SharedFrameMappingFrames} frame(s) reached");
                r.Fact("one frame per virtual page", $"{res.DistinctFrameMappingFrames} frame(s) reached");
                r.Verdict(holds, $"the object overlaps {res.VirtualPages} virtual page(s) and between 1 and {res.VirtualPages} physical page(s); both bounds were reached by the MMU");
            });
        });
    }
}

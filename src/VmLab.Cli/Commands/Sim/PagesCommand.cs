using VmLab.Cli.Framework;
using VmLab.Sim.Exercises;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim pages</c>: how many virtual and physical pages an object overlaps (seed 003 A5-A7).</summary>
internal sealed class PagesCommand : ICommand
{
    public string Name => "pages";

    public string Summary => "how many virtual and physical pages an object of size N at va overlaps (A5-A7)";

    public string Help => $$"""
        usage: vmlab sim pages --size N (--va X | --aligned [--va X]) [--json]

        Counts the virtual pages the object [va, va+N) overlaps: (va + N - 1)/4096 - va/4096 + 1, which for a
        page-aligned object is ceil(N/4096). The physical pages it overlaps lie between 1 and that number: every
        virtual page maps to exactly one frame, but several virtual pages may map to the same frame (a valid
        mapping, see A4), so the frames can be as few as one. Objects up to {{PageCount.DemonstrationLimit}} pages are then mapped on real
        page tables both ways (all pages on one shared frame; one frame each) and the frames reached by the MMU
        are counted, which shows both bounds are attained.

          --va X       the object's virtual address (hex or decimal); required unless --aligned
          --size N     its size in bytes (> 0; decimal, 0x hex, or 64K / 2M)
          --aligned    the object is page-aligned (A5/A6); --va defaults to 0
          --json       {"virtual_pages", "min_physical_pages", "max_physical_pages", "virtual_formula", ...}

        Examples: A5/A6  vmlab sim pages --aligned --size 10000
                  A7     vmlab sim pages --va 0x1ff0 --size 32
        """;

    public TourStep Tour => new(
        "Exercises A5-A7: a 32-byte object can straddle two virtual pages; those two pages may still share one frame.",
        "--va", "0x1ff0", "--size", "32");

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        bool aligned = ctx.Args.Flag("--aligned");
        ulong? va = ctx.Args.Address("--va");
        long size = ctx.Args.Bytes("--size", -1);
        ctx.Args.End();
        if (size < 0) throw new UsageException("--size is required (the object's size in bytes, > 0)");
        if (va is null && !aligned) throw new UsageException("--va is required unless --aligned is given (A7 depends on where the object starts)");

        PageCountResult res;
        try { res = PageCount.Compute(va ?? 0, (ulong)size, aligned); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (json)
        {
            ctx.WriteJson(res);
            return 0;
        }

        var r = ctx.Report();
        r.Title($"Pages overlapped by a {size}-byte object at {Hex(res.Va)}{(aligned ? " (page-aligned)" : "")}");
        r.Fact("object", $"[{Hex(res.Va)}, {Hex(res.Va + res.Size)})");
        r.Fact("virtual pages", res.VirtualPages);
        r.Fact("  formula", res.VirtualFormula);
        r.Fact("physical pages", $"{res.MinPhysicalPages} to {res.MaxPhysicalPages}");
        r.Fact("  formula", res.PhysicalFormula);
        r.Line();
        r.Explain(res.Explanation);
        if (!res.Demonstrated)
        {
            r.Note($"more than {{PageCount.DemonstrationLimit}} pages: the bounds are given by the formula and not mapped on a real table");
            return 0;
        }
        r.Section("On real page tables");
        r.Fact("all pages on one shared frame", $"{res.SharedFrameMappingFrames} frame(s) reached");
        r.Fact("one frame per virtual page", $"{res.DistinctFrameMappingFrames} frame(s) reached");
        bool holds = res.SharedFrameMappingFrames == 1 && res.DistinctFrameMappingFrames == res.VirtualPages;
        r.Verdict(holds, $"the object overlaps {res.VirtualPages} virtual page(s) and between 1 and {res.VirtualPages} physical page(s); both bounds were reached by the MMU");
        return holds ? 0 : 1;
    }
}

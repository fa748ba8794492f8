using VmLab.Cli.Framework;
using VmLab.Linux;
using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab pagemap</c>: a small page-types over /proc/PID/maps and /proc/PID/pagemap.</summary>
internal sealed class PageMapCommand : ICommand
{
    public string Name => "pagemap";

    public string Summary => "decode /proc/PID/pagemap: areas with their pages counted by flag, or single pages";

    public string Help => $"""
        usage: vmlab pagemap [--pid N] [--all | --top N] [--json]
               vmlab pagemap [--pid N] ADDRESS [--pages N] [--json]
               vmlab pagemap [--pid N] --range LO-HI [--json]

        A small page-types (the seed's print_map, for a whole process). Without an address: every area of the
        process from /proc/PID/maps with its pages counted by pagemap flag (present, swapped, file/shared,
        exclusive, soft-dirty). With ADDRESS or --range: one row per page with the decoded entry, the frame
        (root), how many mappers share it (/proc/kpagecount) and the kernel's page flags (/proc/kpageflags).

          --pid N         the process to inspect (default: this vmlab process itself)
          ADDRESS         a virtual address (0x hex or decimal); shows the page holding it
          --pages N       with ADDRESS: this many pages from there (default 1, at most {PageMapSurvey.MaxPageRows})
          --range LO-HI   every page overlapping [LO, HI)
          --all           list areas with no present page too (default: only areas with pages in RAM)
          --top N         list only the N areas with the most pages in RAM (largest first)
          --json          one JSON object: pid, regions[] or page_rows[], pfn_visible, ...

        Areas with no permissions (address-space reservations) and areas above {PageMapSurvey.MaxScanPages} pages
        are listed without being read.
        """;

    public TourStep Tour => new(
        "Where does all of this live? /proc/self/maps lists a process's areas and /proc/self/pagemap says, " +
        "page by page, which are in RAM, shared, exclusive or swapped. Here is vmlab itself, a .NET process: " +
        "its 12 areas with the most pages in RAM.", "--top", "12");

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        int? pid = ctx.Args.Option("--pid") is { } p ? checked((int)ParsePid(p)) : null;
        string? range = ctx.Args.Option("--range");
        bool all = ctx.Args.Flag("--all");
        int top = (int)ctx.Args.Int("--top", 0, 1, 100_000);
        long pages = ctx.Args.Int("--pages", 1, 1, PageMapSurvey.MaxPageRows);
        string? address = ctx.Args.Positional();
        ctx.Args.End();
        if (all && top > 0)
            throw new UsageException("give either --all or --top N, not both");
        if (range is not null && address is not null)
            throw new UsageException("give either ADDRESS or --range, not both");

        FrameText.RequireLinux(Name);
        PageMapReport r;
        if (range is not null)
        {
            var (lo, count) = ParseRange(range);
            r = PageMapSurvey.Pages(pid, lo, count);
        }
        else if (address is not null)
        {
            r = PageMapSurvey.Pages(pid, Numbers.Parse(address, "ADDRESS"), (int)pages);
        }
        else
        {
            r = PageMapSurvey.Regions(pid);
        }
        if (json)
        {
            ctx.WriteJson(r);
            return 0;
        }
        var rep = ctx.Report();
        rep.Title($"pagemap: {(r.Self ? "this vmlab process" : "process")} {r.Pid}");
        if (r.PageRows.Count > 0)
            WritePages(rep, r);
        else
            WriteRegions(rep, r, all, top);
        if (!r.PfnVisible)
            rep.Note(FrameText.RootNote("each page's frame number, how many mappers share it (/proc/kpagecount) and the kernel's page flags (/proc/kpageflags)"));
        else if (!r.KPageCountReadable)
            rep.Note($"mapper counts unavailable: {r.KPageCountNote}");
        return 0;
    }

    private static void WriteRegions(Report rep, PageMapReport r, bool all, int top)
    {
        var shown = r.Regions.Where(x => all || x.Present > 0 || x.Swapped > 0).ToList();
        string which = all ? "all shown"
            : top > 0 ? $"the {Math.Min(top, shown.Count)} with the most pages in RAM shown"
            : $"{shown.Count} with pages in RAM or swap shown (--all for every area)";
        if (top > 0)
            shown = shown.OrderByDescending(x => x.Present).Take(top).ToList();
        rep.Explain($"{r.Regions.Count} areas in /proc/{r.Pid}/maps; {which}. Counts are pages; '-' means the area was not read.");
        string N(RegionSummary x, long v) => x.Scanned ? v.ToString() : "-";
        rep.Table(
            ["range", "perms", "pages", "present", "swapped", "file/shr", "excl", "dirty", "area"],
            shown.Select(x => (IReadOnlyList<string>)[
                $"{x.Start:x}-{x.End:x}", x.Perms, x.Pages.ToString(), N(x, x.Present), N(x, x.Swapped),
                N(x, x.FileOrShared), N(x, x.Exclusive), N(x, x.SoftDirty), x.Name]));
        long present = r.Regions.Sum(x => x.Present);
        rep.Line();
        rep.Fact("pages in RAM", $"{present} ({Numbers.FormatSize(present * PageSize.Value)})");
        rep.Fact("pages in swap", r.Regions.Sum(x => x.Swapped));
        rep.Fact("file-backed or shared pages", r.Regions.Sum(x => x.FileOrShared));
        long mapped = r.Regions.Sum(x => x.Pages);
        double share = mapped == 0 ? 0 : 100.0 * present / mapped;
        rep.Verdict(present < mapped, $"{present} of {mapped} mapped pages ({share:0.00}%) are in RAM: " +
            (present < mapped ? "most of the address space is only reserved; frames come on first touch" : "every mapped page is resident"));
    }

    private static void WritePages(Report rep, PageMapReport r)
    {
        rep.Explain("One row per page: the pagemap entry decoded (bit 63 present, 62 swapped, 61 file/shared-anon, " +
                    "56 exclusive, 55 soft-dirty, 57 uffd-wp, 58 guard; bits 0-54 the frame).");
        rep.Table(
            ["address", "pfn", "flags", "mappers", "kernel page flags", "area"],
            r.PageRows.Select(x => (IReadOnlyList<string>)[
                $"{x.Address:x}", FrameText.Pfn(x.Pfn, x.PfnHidden), new PageMapEntry(x.Raw).FlagText,
                x.MapCount?.ToString() ?? "-", x.KernelFlags ?? "-", x.Region]));
    }

    private static long ParsePid(string text)
    {
        ulong v = Numbers.Parse(text, "--pid");
        if (v < 1 || v > int.MaxValue)
            throw new UsageException($"--pid must be between 1 and {int.MaxValue} (got {text})");
        return (long)v;
    }

    private static (ulong Lo, int Pages) ParseRange(string text)
    {
        int dash = text.IndexOf('-', 1);
        if (dash < 0)
            throw new UsageException($"--range: '{text}' is not LO-HI (e.g. 0x7f0000000000-0x7f0000010000)");
        ulong lo = Numbers.Parse(text[..dash], "--range LO");
        ulong hi = Numbers.Parse(text[(dash + 1)..], "--range HI");
        if (hi <= lo)
            throw new UsageException($"--range: HI must be above LO (got {text})");
        ulong first = PageSize.AlignDown(lo);
        ulong count = (PageSize.AlignUp(hi) - first) / (ulong)PageSize.Value;
        if (count > PageMapSurvey.MaxPageRows)
            throw new UsageException($"--range covers {count} pages; at most {PageMapSurvey.MaxPageRows} at a time");
        return (first, (int)count);
    }
}

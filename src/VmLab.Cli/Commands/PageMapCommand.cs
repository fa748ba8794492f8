using VmLab.Linux;
using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab pagemap</c>: a small page-types over /proc/PID/maps and /proc/PID/pagemap.</summary>
internal static class PageMapCommand
{
    public static Verb Create()
    {
        var allOption = Opt.Flag("--all", "list areas with no present page too (default: only areas with pages in RAM)");
        var pagesOption = Opt.Int("--pages", $"with ADDRESS: this many pages from there (at most {PageMapSurvey.MaxPageRows})", 1, 1, PageMapSurvey.MaxPageRows);
        var pidOption = Opt.Int("--pid", "the process to inspect (default: this vmlab process itself)", 0, 1, int.MaxValue);
        var range = Opt.Text("--range", "every page overlapping [LO, HI)", "LO-HI");
        var topOption = Opt.Int("--top", "list only the N areas with the most pages in RAM (largest first; --json too)", 0, 1, 100_000);
        var addressOption = Opt.Positional("ADDRESS", "a virtual address (0x hex or decimal); shows the page holding it");
        return new Verb("pagemap", "decode /proc/PID/pagemap: areas with their pages counted by flag, or single pages",
            $"""
            A small page-types (the seed's print_map, for a whole process). Without an address: every area of the
            process from /proc/PID/maps with its pages counted by pagemap flag (present, swapped, file/shared,
            exclusive, soft-dirty). With ADDRESS or --range: one row per page with the decoded entry, the frame
            (root), how many mappers share it (/proc/kpagecount) and the kernel's page flags (/proc/kpageflags).
            Areas with no permissions (address-space reservations) and areas above {PageMapSurvey.MaxScanPages} pages
            are listed without being read.
            """,
            "pid, regions[] or page_rows[], pfn_visible, ...",
            "vmlab pagemap --top 12", "vmlab pagemap 0x7ffc12340000 --pages 4", "vmlab pagemap --pid 1 --range 0x400000-0x410000 --json")
        {
            Linux = true,
            Tour = new("Where does all of this live? /proc/self/maps lists a process's areas and /proc/self/pagemap says, " +
                       "page by page, which are in RAM, shared, exclusive or swapped. Here is vmlab itself, a .NET process: " +
                       "its 12 areas with the most pages in RAM.", "--top", "12"),
        }.Takes(
            pidOption,
            addressOption,
            pagesOption,
            range,
            allOption,
            topOption)
        .Does(ctx =>
        {
            string? at = ctx.Get(addressOption), lohi = ctx.Get(range);
            int topN = (int)ctx.Get(topOption);
            bool single = at is not null || lohi is not null;
            if (ctx.Get(allOption) && ctx.Given(topOption))
                throw new UsageException("give either --all or --top N, not both");
            if (at is not null && lohi is not null)
                throw new UsageException("give either ADDRESS or --range, not both");
            if (ctx.Given(pagesOption) && at is null)
                throw new UsageException("--pages counts pages from ADDRESS: give an ADDRESS too");
            if (single && (ctx.Given(topOption) || ctx.Get(allOption)))
                throw new UsageException("--top and --all choose areas; they do not apply to ADDRESS or --range");

            int? target = ctx.Given(pidOption) ? (int)ctx.Get(pidOption) : null;
            PageMapReport r = lohi is not null ? PagesOf(target, ParseRange(lohi))
                : at is not null ? PagesOf(target, From(Numbers.Parse(at, "ADDRESS"), ctx.Get(pagesOption)))
                : PageMapSurvey.Regions(target);
            if (ctx.Given(topOption))
                r = r with { Regions = [.. Top(r, topN)] };
            return ctx.Emit(r, true, rep =>
            {
                rep.Title($"pagemap: {(r.Self ? "this vmlab process" : "process")} {r.Pid}");
                if (single)
                    WritePages(rep, r);
                else
                    WriteRegions(rep, r, ctx.Get(allOption), ctx.Given(topOption) ? topN : 0);
                if (!r.PfnVisible)
                    rep.Note(FrameText.RootNote("each page's frame number, how many mappers share it (/proc/kpagecount) and the kernel's page flags (/proc/kpageflags)"));
                else if (!r.KPageCountReadable)
                    rep.Note($"mapper counts unavailable: {r.KPageCountNote}");
            });
        });
    }

    private static PageMapReport PagesOf(int? pid, (ulong First, int Count) pages) => PageMapSurvey.Pages(pid, pages.First, pages.Count);

    private static IEnumerable<RegionSummary> Top(PageMapReport r, int n) =>
        r.Regions.Where(x => x.Present > 0 || x.Swapped > 0).OrderByDescending(x => x.Present).Take(n);

    private static void WriteRegions(Report rep, PageMapReport r, bool all, int top)
    {
        var shown = top > 0 ? r.Regions : r.Regions.Where(x => all || x.Present > 0 || x.Swapped > 0).ToList();
        string which = all ? "all shown"
            : top > 0 ? $"the {shown.Count} with the most pages in RAM shown"
            : $"{shown.Count} with pages in RAM or swap shown (--all for every area)";
        rep.Explain($"{(top > 0 ? "Areas" : $"{r.Regions.Count} areas")} in /proc/{r.Pid}/maps; {which}. Counts are pages ('file' counts file-backed or shared pages); '-' means the area was not read; file-backed areas show the file's name (--json has the path).");
        string N(RegionSummary x, long v) => x.Scanned ? v.ToString() : "-";
        rep.Table(
            ["start", "perms", "pages", "in RAM", "swap", "file", "excl", "dirty", "area"],
            shown.Select(x => (IReadOnlyList<string>)[
                $"{x.Start:x}", x.Perms, x.Pages.ToString(), N(x, x.Present), N(x, x.Swapped),
                N(x, x.FileOrShared), N(x, x.Exclusive), N(x, x.SoftDirty), x.Name.StartsWith('/') ? Path.GetFileName(x.Name) : x.Name]));
        long present = shown.Sum(x => x.Present);
        rep.Fact("pages in RAM", $"{present} ({Numbers.FormatSize(present * PageSize.Value)})");
        rep.Fact("pages in swap", shown.Sum(x => x.Swapped));
        rep.Fact("file-backed or shared pages", shown.Sum(x => x.FileOrShared));
        long mapped = shown.Sum(x => x.Pages);
        double share = mapped == 0 ? 0 : 100.0 * present / mapped;
        rep.Answer($"{present} of {mapped} mapped pages ({share:0.00}%) shown are in RAM" +
            (present < mapped ? ": much of the address space is only reserved; frames come on first touch" : ""));
    }

    private static void WritePages(Report rep, PageMapReport r)
    {
        rep.Explain("One row per page: the pagemap entry decoded (bit 63 present, 62 swapped, 61 file/shared-anon, " +
                    "56 exclusive, 55 soft-dirty, 57 uffd-wp, 58 guard; bits 0-54 the frame).");
        rep.Table(
            ["address", "pfn", "flags", "maps", "kernel page flags", "area"],
            r.PageRows.Select(x => (IReadOnlyList<string>)[
                $"{x.Address:x}", FrameText.Pfn(x.Pfn, x.PfnHidden), new PageMapEntry(x.Raw).FlagText,
                x.MapCount?.ToString() ?? "-", x.KernelFlags ?? "-", x.Region]));
    }

    /// <summary>The page holding <paramref name="address"/> and the next ones; never past the top of memory.</summary>
    private static (ulong First, int Count) From(ulong address, long pages)
    {
        ulong first = PageSize.AlignDown(address);
        ulong room = (ulong.MaxValue - first) / (ulong)PageSize.Value + 1;
        if ((ulong)pages > room)
            throw new UsageException($"--pages {pages} from 0x{first:x} goes past the top of the address space (at most {room} there)");
        return (first, (int)pages);
    }

    private static (ulong First, int Count) ParseRange(string text)
    {
        int dash = text.Length > 1 ? text.IndexOf('-', 1) : -1;
        if (dash < 0)
            throw new UsageException($"--range: '{Numbers.Clip(text)}' is not LO-HI (e.g. 0x7f0000000000-0x7f0000010000)");
        ulong lo = Numbers.Parse(text[..dash], "--range LO");
        ulong hi = Numbers.Parse(text[(dash + 1)..], "--range HI");
        if (hi <= lo)
            throw new UsageException($"--range: HI must be above LO (got {Numbers.Clip(text)})");
        ulong first = PageSize.AlignDown(lo);
        ulong count = (PageSize.AlignDown(hi - 1) - first) / (ulong)PageSize.Value + 1;
        if (count > PageMapSurvey.MaxPageRows)
            throw new UsageException($"--range covers {count} pages; at most {PageMapSurvey.MaxPageRows} at a time");
        return (first, (int)count);
    }
}

namespace VmLab.Linux.Experiments;

/// <summary>One area of a process, with its pages counted by pagemap flag.</summary>
/// <param name="Start">first address of the area (page-aligned)</param>
/// <param name="End">the address just past the area</param>
/// <param name="Perms">permissions as /proc/PID/maps writes them, e.g. "r-xp"</param>
/// <param name="Name">the mapped file's path, or [heap], [stack], [anon] and the like</param>
/// <param name="Pages">pages in the area</param>
/// <param name="Present">pages in RAM (bit 63)</param>
/// <param name="Swapped">pages in swap (bit 62)</param>
/// <param name="FileOrShared">file-backed or shared anonymous pages (bit 61)</param>
/// <param name="Exclusive">pages mapped only here (bit 56)</param>
/// <param name="SoftDirty">pages written since the soft-dirty bits were last cleared (bit 55)</param>
/// <param name="UffdWp">pages write-protected by userfaultfd (bit 57)</param>
/// <param name="Guard">guard pages (bit 58)</param>
/// <param name="Scanned">False when the area was not read: no permissions (a reservation), [vsyscall], or
/// larger than the scan limit.</param>
public sealed record RegionSummary(
    ulong Start, ulong End, string Perms, string Name, long Pages, bool Scanned,
    long Present, long Swapped, long FileOrShared, long Exclusive, long SoftDirty, long UffdWp, long Guard);

/// <summary>One page of a process, decoded.</summary>
public sealed record PageRow(
    ulong Address, ulong Raw, bool Present, bool Swapped, ulong? Pfn, bool PfnHidden, bool FileOrShared,
    bool Exclusive, bool SoftDirty, bool UffdWp, bool Guard, long? MapCount, string? KernelFlags, string Region);

/// <summary>The process surveyed and what root would add.</summary>
public sealed record PageMapReport(
    int Pid, bool Self, bool PfnVisible, bool KPageCountReadable, string? KPageCountNote,
    IReadOnlyList<RegionSummary> Regions, IReadOnlyList<PageRow> PageRows);

/// <summary>
/// A small page-types: a process's areas (from /proc/PID/maps) with their pages counted by pagemap flag,
/// or individual pages decoded, with frame counts and kernel page flags when readable.
/// </summary>
public static class PageMapSurvey
{
    /// <summary>Areas bigger than this many pages are listed but not read (the GC reserves hundreds of GiB).</summary>
    public const long MaxScanPages = 1L << 20;

    /// <summary>Upper bound on pages one <see cref="Pages"/> call decodes.</summary>
    public const int MaxPageRows = 1 << 16;

    private const int Chunk = 4096;

    /// <summary>Every area of <paramref name="pid"/> (null: this process) with its pages counted.</summary>
    public static PageMapReport Regions(int? pid)
    {
        var (areas, map) = Open(pid);
        using (map)
        {
            var buffer = new PageMapEntry[Chunk];
            var rows = new List<RegionSummary>(areas.Count);
            bool anyHidden = false;
            foreach (var a in areas)
            {
                bool scan = !a.IsInaccessible && a.Path != "[vsyscall]" && a.Pages <= MaxScanPages;
                long present = 0, swapped = 0, file = 0, excl = 0, dirty = 0, wp = 0, guard = 0;
                for (long done = 0; scan && done < a.Pages; done += Chunk)
                {
                    var span = buffer.AsSpan(0, (int)Math.Min(Chunk, a.Pages - done));
                    map.Read(a.Start + (ulong)done * (ulong)PageSize.Value, span);
                    foreach (var e in span)
                    {
                        present += e.IsPresent ? 1 : 0;
                        swapped += e.IsSwapped ? 1 : 0;
                        file += e.IsFileOrSharedAnon ? 1 : 0;
                        excl += e.IsExclusive ? 1 : 0;
                        dirty += e.IsSoftDirty ? 1 : 0;
                        wp += e.IsUffdWriteProtected ? 1 : 0;
                        guard += e.IsGuard ? 1 : 0;
                        anyHidden |= e.IsPfnHidden;
                    }
                }
                rows.Add(new RegionSummary(a.Start, a.End, a.Perms, a.Name, a.Pages, scan, present, swapped, file, excl, dirty, wp, guard));
            }
            using var counts = KPageCount.TryOpen(out string? why);
            return new PageMapReport(pid ?? Environment.ProcessId, pid is null, !anyHidden, counts is not null, why, rows, []);
        }
    }

    /// <summary><paramref name="count"/> pages from the one holding <paramref name="address"/>, decoded.</summary>
    public static PageMapReport Pages(int? pid, ulong address, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxPageRows);
        var (areas, map) = Open(pid);
        using (map)
        {
            using var counts = KPageCount.TryOpen(out string? why);
            using var flags = KPageFlags.TryOpen(out _);
            ulong first = PageSize.AlignDown(address);
            var entries = map.Read(first, count);   // one pread for the whole run
            var rows = new List<PageRow>(count);
            for (int i = 0; i < count; i++)
            {
                var e = entries[i];
                ulong va = first + (ulong)i * (ulong)PageSize.Value;
                rows.Add(new PageRow(va, e.Raw, e.IsPresent, e.IsSwapped, e.Pfn, e.IsPfnHidden, e.IsFileOrSharedAnon,
                    e.IsExclusive, e.IsSoftDirty, e.IsUffdWriteProtected, e.IsGuard,
                    e.Pfn is ulong p1 ? counts?.Count(p1) : null,
                    e.Pfn is ulong p2 && flags is not null ? KPageFlags.Describe(flags.Flags(p2)) : null,
                    ProcMaps.Find(areas, va)?.Name ?? "(unmapped)"));
            }
            bool visible = !rows.Any(r => r.PfnHidden);
            return new PageMapReport(pid ?? Environment.ProcessId, pid is null, visible, counts is not null, why, [], rows);
        }
    }

    private static (IReadOnlyList<MapsEntry> Areas, PageMap Map) Open(int? pid)
    {
        Platform.RequireLinux("pagemap");
        if (pid is int p && p <= 0)
            throw new InvalidOperationException($"no process with PID {p}");
        var areas = pid is int id ? ProcMaps.Read(id) : ProcMaps.ReadSelf();
        try
        {
            return (areas, pid is int id2 ? PageMap.Open(id2) : PageMap.OpenSelf());
        }
        catch (LinuxException e) when (e.ErrorNumber is Errno.EACCES or Errno.EPERM)
        {
            throw new InvalidOperationException($"not allowed to read the page map of PID {pid} (another user's process needs root)");
        }
        catch (LinuxException e) when (e.ErrorNumber is Errno.ENOENT or Errno.ESRCH)
        {
            throw new InvalidOperationException($"no process with PID {pid}");
        }
    }
}

using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Viewer;

/// <summary>
/// Physical memory as a map: one cell per <see cref="FramesPerCell"/> frames (1 unless memory is large), with
/// counts. <see cref="Owners"/> keys: free, reserved, kernel, console, page_table, process, and pid_N for each
/// process's own frames (page-table pages of pid N are counted under page_table and in <see cref="PageTablesByPid"/>).
/// </summary>
public sealed record PhysicalView(
    ulong Frames, ulong FreeFrames, ulong SharedFrames, ulong FramesPerCell,
    IReadOnlyList<MapRow> Rows, IReadOnlyDictionary<string, ulong> Owners, IReadOnlyDictionary<int, ulong> PageTablesByPid)
{
    /// <summary>The cell that shows the frame containing <paramref name="pa"/>.</summary>
    public MapCell CellAt(ulong pa) => Cell(Rows, pa >> PhysicalMemory.FrameShift, FramesPerCell);

    internal static MapCell Cell(IReadOnlyList<MapRow> rows, ulong page, ulong perCell)
    {
        int perRow = rows[0].Cells.Count;
        ulong cell = page / perCell;
        return rows[(int)(cell / (ulong)perRow)].Cells[(int)(cell % (ulong)perRow)];
    }
}

/// <summary>
/// One address space as a map over [0, <see cref="Limit"/>): one cell per <see cref="PagesPerCell"/> virtual
/// pages, showing the frame each maps to (blank when unmapped) and the mapping's access class.
/// </summary>
public sealed record VirtualView(
    int Pid, string Name, ulong Root, ulong Limit, ulong PagesPerCell, IReadOnlyList<MapRow> Rows,
    ulong MappedPages, ulong UserWritable, ulong UserReadOnly, ulong KernelWritable, ulong KernelReadOnly)
{
    /// <summary>The cell that shows virtual address <paramref name="va"/>.</summary>
    public MapCell CellAt(ulong va) => PhysicalView.Cell(Rows, va >> PhysicalMemory.FrameShift, PagesPerCell);
}

/// <summary>Builds the views by reading the allocator and walking page tables; changes nothing.</summary>
internal static class MemoryScan
{
    private static readonly FrameOwner[] UsedOwners =
        [FrameOwner.Reserved, FrameOwner.Kernel, FrameOwner.PageTable, FrameOwner.Process, FrameOwner.Console];

    public static PhysicalView Physical(FrameAllocator frames, ViewerOptions options)
    {
        ulong count = frames.Memory.FrameCount, perCell = PerCell(count, options.MaxCells);
        var tallies = NewTallies(count, perCell);
        var used = new ulong[tallies.Length];
        var owners = new Dictionary<string, ulong>
        {
            ["free"] = frames.FreeFrames, ["reserved"] = 0, ["kernel"] = 0, ["console"] = 0, ["page_table"] = 0, ["process"] = 0,
        };
        var tablesByPid = new SortedDictionary<int, ulong>();
        var byPid = new SortedDictionary<int, ulong>();
        ulong shared = 0;
        foreach (var owner in UsedOwners)
        {
            foreach (ulong pa in frames.Owned(owner))
            {
                var info = frames.Info(pa);
                ulong cell = (pa >> PhysicalMemory.FrameShift) / perCell;
                tallies[cell].Add(MapCell.Of(info), 1);
                used[cell]++;
                owners[Key(owner)]++;
                if (info.RefCount > 1) shared++;
                if (owner == FrameOwner.PageTable) Bump(tablesByPid, info.Pid);
                if (owner == FrameOwner.Process) Bump(byPid, info.Pid);
            }
        }
        foreach (var (pid, n) in byPid) owners[$"pid_{pid}"] = n;
        var cells = new MapCell[tallies.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            ulong size = Math.Min(perCell, count - (ulong)i * perCell);
            tallies[i].Add(MapCell.FreeCell, size - used[i]);
            cells[i] = tallies[i].Pick(MapCell.FreeCell);
        }
        return new PhysicalView(count, frames.FreeFrames, shared, perCell, Rows(cells, perCell, options.RowCells), owners, tablesByPid);
    }

    public static VirtualView Virtual(FrameAllocator frames, PageTable pt, int pid, string name, ViewerOptions options)
    {
        ulong limit = options.VirtualLimit;
        if (limit == 0 || (limit & (PhysicalMemory.FrameSize - 1)) != 0 || limit > VirtualAddress.LowEnd)
            throw new ArgumentException($"viewer: virtual limit 0x{limit:x} must be a non-zero multiple of 4 KiB up to 0x{VirtualAddress.LowEnd:x}");
        ulong pages = limit >> PhysicalMemory.FrameShift, perCell = PerCell(pages, options.MaxCells);
        var tallies = NewTallies(pages, perCell);
        ulong mapped = 0;
        var byAccess = new Dictionary<char, ulong> { ['U'] = 0, ['u'] = 0, ['K'] = 0, ['k'] = 0 };
        foreach (var range in AddressSpace.Ranges(pt, limit))
        {
            char access = AddressSpace.Access(range.Perm);
            ulong pa = range.Pa;
            for (ulong p = range.Va; p < range.End; p += PhysicalMemory.FrameSize, pa += PhysicalMemory.FrameSize)
            {
                var cell = frames.Memory.Contains(pa)
                    ? MapCell.Of(frames.Info(pa), access)
                    : new MapCell(MapCell.OutsideMemory, FrameOwner.Free, 0, access);
                tallies[(p >> PhysicalMemory.FrameShift) / perCell].Add(cell, 1);
            }
            mapped += range.Pages;
            byAccess[access] += range.Pages;
        }
        var cells = tallies.Select(t => t.Pick(MapCell.UnmappedCell)).ToArray();
        return new VirtualView(pid, name, pt.Root, limit, perCell, Rows(cells, perCell, options.RowCells),
            mapped, byAccess['U'], byAccess['u'], byAccess['K'], byAccess['k']);
    }

    /// <summary>The smallest power of two that brings <paramref name="units"/> down to at most maxCells cells.</summary>
    internal static ulong PerCell(ulong units, int maxCells)
    {
        ulong per = 1;
        while ((units + per - 1) / per > (ulong)Math.Max(1, maxCells)) per <<= 1;
        return per;
    }

    private static CellTally[] NewTallies(ulong units, ulong perCell)
    {
        var t = new CellTally[(units + perCell - 1) / perCell];
        for (int i = 0; i < t.Length; i++) t[i] = new CellTally();
        return t;
    }

    private static List<MapRow> Rows(MapCell[] cells, ulong perCell, int rowCells)
    {
        if (rowCells < 1) throw new ArgumentException($"viewer: {rowCells} cells a row; a row needs at least one");
        var rows = new List<MapRow>();
        ulong bytesPerCell = perCell << PhysicalMemory.FrameShift;
        for (int i = 0; i < cells.Length; i += rowCells)
            rows.Add(new MapRow((ulong)i * bytesPerCell, cells[i..Math.Min(cells.Length, i + rowCells)]));
        return rows;
    }

    private static string Key(FrameOwner owner) => AddressSpace.OwnerName(owner);

    private static void Bump(SortedDictionary<int, ulong> d, int pid) => d[pid] = d.GetValueOrDefault(pid) + 1;
}

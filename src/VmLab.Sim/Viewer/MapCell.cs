using VmLab.Sim.Memory;

namespace VmLab.Sim.Viewer;

/// <summary>
/// One cell of a memory map: the glyph drawn, the owner behind it (for colour), and for virtual maps the
/// access class of the mapping. Grouped cells show the owner holding most of the group's non-free frames.
/// </summary>
public readonly record struct MapCell(char Glyph, FrameOwner Owner, int Pid, char Access)
{
    /// <summary>
    /// Glyphs of a physical frame, as the WeensyOS viewer draws them: '.' free, 'R' reserved, 'K' kernel, 'C' console,
    /// 'P' page-table page, 'S' shared (reference count above 1); a process's own frame shows its pid
    /// (<see cref="PidGlyph"/>).
    /// </summary>
    public const char Free = '.', Reserved = 'R', Kernel = 'K', Console = 'C', PageTable = 'P', Shared = 'S';
    /// <summary>
    /// ' ' an unmapped virtual page, '?' a mapping to a frame outside physical memory, '@' a pid above 35.
    /// </summary>
    public const char Unmapped = ' ', OutsideMemory = '?', ManyPid = '@';

    /// <summary>Access classes of a virtual page: who may touch it (U user, K kernel only), uppercase when writable.</summary>
    public const char UserWritable = 'U', UserReadOnly = 'u', KernelWritable = 'K', KernelReadOnly = 'k';

    /// <summary>The glyph of a process's own frame: 0-9 then a-z for pids 10-35, '@' beyond.</summary>
    public static char PidGlyph(int pid) => pid switch
    {
        >= 0 and <= 9 => (char)('0' + pid),
        >= 10 and <= 35 => (char)('a' + pid - 10),
        _ => ManyPid,
    };

    /// <summary>The glyph of a frame: page-table pages 'P' and shared frames (refcount > 1) 'S' before their owner.</summary>
    public static char FrameGlyph(FrameInfo info) => info switch
    {
        { Owner: FrameOwner.PageTable } => PageTable,
        { Owner: FrameOwner.Free } => Free,
        { RefCount: > 1 } => Shared,
        { Owner: FrameOwner.Reserved } => Reserved,
        { Owner: FrameOwner.Kernel } => Kernel,
        { Owner: FrameOwner.Console } => Console,
        _ => PidGlyph(info.Pid),
    };

    /// <summary>The access class of an effective permission set (see <see cref="Paging.VmIter.Perm"/>).</summary>
    public static char AccessOf(ulong perm)
    {
        bool user = (perm & Paging.Pte.PTE_U) != 0, writable = (perm & Paging.Pte.PTE_W) != 0;
        return user ? (writable ? UserWritable : UserReadOnly) : (writable ? KernelWritable : KernelReadOnly);
    }

    /// <summary>
    /// The cell of a frame with owner <paramref name="info"/> (<see cref="FrameGlyph"/>) and, in a virtual map, the
    /// mapping's <paramref name="access"/> class.
    /// </summary>
    internal static MapCell Of(FrameInfo info, char access = ' ') => new(FrameGlyph(info), info.Owner, info.Pid, access);

    /// <summary>A free frame's cell.</summary>
    internal static readonly MapCell FreeCell = new(Free, FrameOwner.Free, 0, ' ');
    /// <summary>An unmapped virtual page's cell.</summary>
    internal static readonly MapCell UnmappedCell = new(Unmapped, FrameOwner.Free, 0, ' ');
}

/// <summary>One row of a map: the address of its first cell and its cells, left to right.</summary>
public sealed record MapRow(ulong Address, IReadOnlyList<MapCell> Cells)
{
    /// <summary>The glyphs as text, one character per cell.</summary>
    public string Text => string.Concat(Cells.Select(c => c.Glyph));

    /// <summary>The access classes as text (virtual maps): U u K k, blank where unmapped.</summary>
    public string AccessText => string.Concat(Cells.Select(c => c.Access));
}

/// <summary>Counts cells' frames by kind to pick what a (possibly grouped) cell shows.</summary>
internal sealed class CellTally
{
    private readonly List<(MapCell Cell, ulong Count)> _seen = [];

    public void Add(MapCell cell, ulong count)
    {
        if (count == 0) return;
        int i = _seen.FindIndex(s => s.Cell == cell);
        if (i < 0) _seen.Add((cell, count));
        else _seen[i] = (cell, _seen[i].Count + count);
    }

    /// <summary>The most frequent cell standing for used frames (first seen wins a tie); failing that, mapped
    /// free frames; failing that, <paramref name="background"/> (free in physical maps, unmapped in virtual ones).</summary>
    public MapCell Pick(MapCell background)
    {
        MapCell best = background;
        int rank = 0;
        ulong most = 0;
        foreach (var (cell, count) in _seen)
        {
            int r = cell.Glyph switch { MapCell.Unmapped => 0, MapCell.Free => 1, _ => 2 };
            if (r > rank || (r == rank && r > 0 && count > most)) (best, rank, most) = (cell, r, count);
        }
        return best;
    }
}

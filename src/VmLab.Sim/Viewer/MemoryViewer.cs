using System.Text;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Viewer;

/// <summary>
/// The WeensyOS memory viewer for the simulated machine: physical memory one cell per 4 KiB frame (64 per row,
/// the row's first physical address at the left), and each address space one cell per virtual page with a
/// second line giving the mapping's access class. Reads the allocator and the page tables; changes nothing.
/// Every rendering carries its legend and counts, so it reads the same with or without colour.
/// </summary>
public sealed class MemoryViewer
{
    private readonly FrameAllocator _frames;

    /// <summary>A viewer over <paramref name="frames"/>, the processes to show, and optionally the kernel's table.</summary>
    public MemoryViewer(FrameAllocator frames, IEnumerable<ViewerProcess> processes, PageTable? kernelPageTable = null, ViewerOptions? options = null)
    {
        _frames = frames;
        Processes = [.. processes];
        KernelPageTable = kernelPageTable;
        Options = options ?? new ViewerOptions();
    }

    /// <summary>The processes drawn, in the order given.</summary>
    public IReadOnlyList<ViewerProcess> Processes { get; }

    /// <summary>kernel_pagetable, drawn after physical memory when given; null otherwise.</summary>
    public PageTable? KernelPageTable { get; }

    /// <summary>Row width, virtual range, grouping and colour.</summary>
    public ViewerOptions Options { get; }

    // VIEWS (data: what the text shows)

    /// <summary>Physical memory as it is now.</summary>
    public PhysicalView Physical() => MemoryScan.Physical(_frames, Options);

    /// <summary>The address space of <paramref name="process"/> over [0, VirtualLimit).</summary>
    public VirtualView Virtual(ViewerProcess process) =>
        MemoryScan.Virtual(_frames, process.PageTable, process.Pid, process.Name, Options);

    /// <summary>The kernel's address space, or null when no kernel page table was given.</summary>
    public VirtualView? Kernel() =>
        KernelPageTable is null ? null : MemoryScan.Virtual(_frames, KernelPageTable, 0, "kernel", Options);

    // TEXT

    /// <summary>Physical memory, then the kernel's address space (if given), then each process's.</summary>
    public string Render()
    {
        var sw = new StringWriter();
        Write(sw);
        return sw.ToString();
    }

    /// <summary>As <see cref="Render"/>, onto <paramref name="w"/>.</summary>
    public void Write(TextWriter w)
    {
        WritePhysical(w, Physical());
        if (Kernel() is { } k) { w.WriteLine(); WriteVirtual(w, k); }
        foreach (var p in Processes) { w.WriteLine(); WriteVirtual(w, Virtual(p)); }
    }

    /// <summary>Only the physical memory view, as text.</summary>
    public string RenderPhysical() => ToText(w => WritePhysical(w, Physical()));

    /// <summary>Only <paramref name="process"/>'s address space, as text.</summary>
    public string RenderVirtual(ViewerProcess process) => ToText(w => WriteVirtual(w, Virtual(process)));

    /// <summary>Draws a physical view: heading, rows, legend, counts.</summary>
    public void WritePhysical(TextWriter w, PhysicalView view)
    {
        w.WriteLine($"PHYSICAL MEMORY  {view.Frames} frames of 4 KiB, {Per(view.FramesPerCell, "frame")}, {Options.RowCells} cells a row");
        int digits = Digits(view.Frames << PhysicalMemory.FrameShift);
        foreach (var row in view.Rows)
            w.WriteLine($"0x{row.Address.ToString($"x{digits}")}  {Cells(row, virtualView: false)}");
        w.WriteLine(PhysicalLegend);
        if (view.FramesPerCell > 1)
            w.WriteLine($"  grouped: a cell shows the owner of most of its {view.FramesPerCell} frames that are in use; '.' only when all are free");
        var parts = view.Owners.Select(kv => $"{kv.Key}={kv.Value}").Append($"shared={view.SharedFrames}");
        w.WriteLine($"  frames: {string.Join(" ", parts)}");
        if (view.PageTablesByPid.Count > 0)
            w.WriteLine($"  page-table pages: {string.Join(", ", view.PageTablesByPid.Select(kv => $"{(kv.Key == 0 ? "kernel" : $"pid {kv.Key}")} {kv.Value}"))}");
    }

    /// <summary>Draws a virtual view: heading, two lines per row (frame owner, access class), legend, counts.</summary>
    public void WriteVirtual(TextWriter w, VirtualView view)
    {
        string who = view.Pid == 0 && view.Name == "kernel" ? "kernel" : $"pid {view.Pid} ({view.Name})";
        w.WriteLine($"VIRTUAL MEMORY  {who}, page table at 0x{view.Root:x}, [0, 0x{view.Limit:x}), {Per(view.PagesPerCell, "page")}");
        int digits = Digits(view.Limit);
        string pad = new(' ', digits + 4);
        for (int i = 0; i < view.Rows.Count; i++)
        {
            var row = view.Rows[i];
            string at = $"0x{row.Address.ToString($"x{digits}")}";
            int run = 0;
            while (i + run < view.Rows.Count && view.Rows[i + run].Cells.All(c => c.Glyph == MapCell.Unmapped)) run++;
            if (run > 1)
            {
                // Rows with nothing mapped say so in one line: a sparse address space stays short.
                ulong end = i + run < view.Rows.Count ? view.Rows[i + run].Address : view.Limit;
                w.WriteLine($"{at}  (nothing mapped up to 0x{end.ToString($"x{digits}")})");
                i += run - 1;
                continue;
            }
            w.WriteLine($"{at}  {Cells(row, virtualView: true)}".TrimEnd());
            w.WriteLine($"{pad}{row.AccessText}".TrimEnd());
        }
        w.WriteLine(VirtualLegend);
        if (view.PagesPerCell > 1)
            w.WriteLine($"  grouped: a cell shows what most of its {view.PagesPerCell} pages map (frames in use first), blank only when none is mapped");
        w.WriteLine($"  pages mapped: {view.MappedPages} (user writable {view.UserWritable}, user read-only {view.UserReadOnly}, " +
                    $"kernel-only writable {view.KernelWritable}, kernel-only read-only {view.KernelReadOnly})");
    }

    /// <summary>What the physical glyphs mean.</summary>
    public const string PhysicalLegend =
        "  legend: . free  R reserved  K kernel  C console  P page-table page  S shared (refcount > 1)\n" +
        "          0-9 a-z: a frame of that pid (a = 10 ... z = 35, @ above)";

    /// <summary>What the virtual glyphs mean.</summary>
    public const string VirtualLegend =
        "  legend: first line: whose frame the page maps (glyphs as in physical memory, ? outside memory), blank: unmapped\n" +
        "          second line: U user read/write  u user read-only  K kernel-only read/write  k kernel-only read-only";

    private string Cells(MapRow row, bool virtualView)
    {
        if (!Options.Color) return row.Text.TrimEnd();
        var sb = new StringBuilder();
        string current = "";
        foreach (var cell in row.Cells)
        {
            string style = Style(cell, virtualView);
            if (style != current) { sb.Append("\e[0").Append(style).Append('m'); current = style; }
            sb.Append(cell.Glyph);
        }
        return sb.Append("\e[0m").ToString();
    }

    /// <summary>ANSI style of a cell: the owner's colour; page-table pages in reverse video, shared frames
    /// underlined, kernel-only mappings dim in virtual views.</summary>
    private static string Style(MapCell cell, bool virtualView)
    {
        if (cell.Glyph == MapCell.Unmapped) return "";
        string s = cell.Owner switch
        {
            FrameOwner.Free => ";90",
            FrameOwner.Reserved => ";37",
            FrameOwner.Kernel => ";1;34",
            FrameOwner.Console => ";1;36",
            _ when cell.Pid == 0 => ";1;34",
            _ => PidColors[cell.Pid % PidColors.Length],
        };
        if (cell.Glyph == MapCell.PageTable) s += ";7";
        else if (cell.Glyph == MapCell.Shared) s += ";4";
        if (virtualView && cell.Access is MapCell.KernelWritable or MapCell.KernelReadOnly) s += ";2";
        return s;
    }

    private static readonly string[] PidColors = [";36", ";1;32", ";1;33", ";1;35", ";1;31", ";32", ";35", ";31", ";33"];

    private static string Per(ulong n, string unit) => n == 1 ? $"one cell per {unit}" : $"one cell per {n} {unit}s ({n * 4} KiB)";

    private static int Digits(ulong end) => Math.Max(6, (64 - (int)ulong.LeadingZeroCount(Math.Max(1, end - 1)) + 3) / 4);

    private static string ToText(Action<TextWriter> write)
    {
        var sw = new StringWriter();
        write(sw);
        return sw.ToString();
    }
}

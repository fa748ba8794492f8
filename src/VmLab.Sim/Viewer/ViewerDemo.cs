using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Viewer;

/// <summary>One thing a learner should see in a demo, and whether the views show it.</summary>
public sealed record ViewerObservation(string Claim, bool Holds);

/// <summary>
/// Small machines built for the viewer without the teaching kernel: a WeensyOS-like boot layout, a kernel page
/// table, and processes with their own page tables made by <see cref="VmIter.Map"/> from allocated frames.
/// </summary>
public sealed class ViewerDemo
{
    /// <summary>
    /// The demo's physical layout, WeensyOS's: kernel image [KernelStart, KernelEnd), console page, I/O hole [IoStart,
    /// IoEnd).
    /// </summary>
    internal const ulong KernelStart = 0x40000, KernelEnd = 0x80000, Console = 0xB8000, IoStart = 0xA0000, IoEnd = 0x100000;
    /// <summary>
    /// The demo processes' virtual pages: code (read-only), data, the page both share read-only, and the stack page.
    /// </summary>
    internal const ulong CodeVa = 0x100000, DataVa = 0x102000, SharedVa = 0x200000, StackVa = 0x2FF000;

    /// <summary>The demos <see cref="Create"/> knows: "processes" and "large".</summary>
    public static IReadOnlyList<string> Names { get; } = ["processes", "large"];

    private ViewerDemo(string name, string description, FrameAllocator frames, PageTable kernel, List<ViewerProcess> processes, ulong sharedPa, ViewerOptions options)
    {
        Name = name;
        Description = description;
        Frames = frames;
        Kernel = kernel;
        Processes = processes;
        SharedPa = sharedPa;
        Options = options;
    }

    /// <summary>The demo's name, one of <see cref="Names"/>.</summary>
    public string Name { get; }
    /// <summary>What the demo shows, in one sentence.</summary>
    public string Description { get; }
    /// <summary>The frame allocator: who owns each frame.</summary>
    public FrameAllocator Frames { get; }
    /// <summary>The kernel's page table.</summary>
    public PageTable Kernel { get; }
    /// <summary>The demo's processes, each with its own page table.</summary>
    public IReadOnlyList<ViewerProcess> Processes { get; }

    /// <summary>Physical address of the frame both processes map read-only.</summary>
    public ulong SharedPa { get; }

    /// <summary>The options the demo is meant to be drawn with (the large demo widens the virtual range).</summary>
    public ViewerOptions Options { get; }

    /// <summary>A viewer over this machine with the demo's options, coloured or not.</summary>
    public MemoryViewer Viewer(bool color) => new(Frames, Processes, Kernel, Options with { Color = color });

    /// <summary>Builds demo <paramref name="name"/>; the same layout on every run.</summary>
    public static ViewerDemo Create(string name) => name switch
    {
        "processes" => Build(name, PhysicalMemory.DefaultSize, 0, new ViewerOptions(),
            "2 MiB machine: reserved null page and I/O hole, kernel image, console, a kernel page table identity-mapping " +
            "memory, and processes 1 (alice) and 2 (bob) with their own page tables, code, data, stack, and one shared read-only frame."),
        "large" => Build(name, 64UL << 20, 2048, new ViewerOptions { VirtualLimit = 0x4000000 },
            "64 MiB machine (16384 frames, more than fit on a screen): the same layout, and alice has also allocated 8 MiB " +
            "at 0x1000000; both maps are summarised, several frames per cell."),
        _ => throw new ArgumentException($"viewer: no demo '{name}' (demos: {string.Join(", ", Names)})"),
    };

    private static ViewerDemo Build(string name, ulong memorySize, int extraPages, ViewerOptions options, string description)
    {
        var frames = new FrameAllocator(new PhysicalMemory(memorySize));
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        frames.Reserve(KernelStart, KernelEnd - KernelStart, FrameOwner.Kernel);
        frames.Reserve(IoStart, Console - IoStart, FrameOwner.Reserved);
        frames.Reserve(Console, 0x1000, FrameOwner.Console);
        frames.Reserve(Console + 0x1000, IoEnd - Console - 0x1000, FrameOwner.Reserved);

        // Kernel table: all of physical memory identity-mapped, kernel-only, except the console.
        var kernel = PageTable.Create(frames);
        var it = kernel.Iter();
        for (ulong pa = 0x1000; pa < memorySize; pa += 0x1000)
            it.Find(pa).Map(pa, PTE_P | PTE_W | (pa == Console ? PTE_U : 0));

        var alice = Process(frames, 1, "alice");
        var bob = Process(frames, 2, "bob");
        ulong shared = frames.Allocate(FrameOwner.Process, 1);
        frames.AddReference(shared);
        alice.PageTable.Iter(SharedVa).Map(shared, PTE_P | PTE_U);
        bob.PageTable.Iter(SharedVa).Map(shared, PTE_P | PTE_U);
        var extra = alice.PageTable.Iter();
        for (int i = 0; i < extraPages; i++)
            extra.Find(0x1000000 + (ulong)i * 0x1000).Map(frames.Allocate(FrameOwner.Process, 1), PTE_P | PTE_W | PTE_U);
        return new ViewerDemo(name, description, frames, kernel, [alice, bob], shared, options);
    }

    /// <summary>WeensyOS process_setup in miniature: kernel memory copied kernel-only, console user-writable,
    /// two read-only code pages, a data page and a stack page of the process's own.</summary>
    private static ViewerProcess Process(FrameAllocator frames, int pid, string name)
    {
        var pt = PageTable.Create(frames, pid);
        var it = pt.Iter();
        for (ulong pa = 0x1000; pa < IoEnd; pa += 0x1000)
            it.Find(pa).Map(pa, PTE_P | PTE_W | (pa == Console ? PTE_U : 0));
        foreach (var (va, perm) in new[] { (CodeVa, PTE_P | PTE_U), (CodeVa + 0x1000, PTE_P | PTE_U), (DataVa, PTE_P | PTE_W | PTE_U), (StackVa, PTE_P | PTE_W | PTE_U) })
            it.Find(va).Map(frames.Allocate(FrameOwner.Process, pid), perm);
        return new ViewerProcess(pid, name, pt);
    }

    /// <summary>What the learner should find in the views, each checked on exact (one cell per page) views.</summary>
    public IReadOnlyList<ViewerObservation> Observe()
    {
        var viewer = new MemoryViewer(Frames, Processes, Kernel, new ViewerOptions { MaxCells = int.MaxValue });
        var phys = viewer.Physical();
        var views = Processes.Select(viewer.Virtual).ToList();
        return
        [
            new("the shared frame shows S in physical memory and u (user read-only) at 0x200000 in every process",
                phys.CellAt(SharedPa).Glyph == MapCell.Shared
                && views.All(v => v.CellAt(SharedVa) is { Glyph: MapCell.Shared, Access: MapCell.UserReadOnly })),
            new("each process's code is its own frames, user read-only (u); its data and stack are user read/write (U)",
                views.All(v => v.CellAt(CodeVa) == new MapCell(MapCell.PidGlyph(v.Pid), FrameOwner.Process, v.Pid, MapCell.UserReadOnly)
                               && v.CellAt(StackVa).Access == MapCell.UserWritable)),
            new("kernel memory is mapped in every process but kernel-only (K), so user code cannot touch it",
                views.All(v => v.CellAt(KernelStart) is { Glyph: MapCell.Kernel, Access: MapCell.KernelWritable })),
            new("the console is the one low page users may write (C over U)",
                views.All(v => v.CellAt(Console) is { Glyph: MapCell.Console, Access: MapCell.UserWritable })),
            new("every page table (kernel's and each process's) occupies frames of its own, marked P",
                phys.PageTablesByPid.Count == Processes.Count + 1 && phys.Owners["page_table"] > 0),
            new("between the data page and the stack only the shared page is mapped: the rest is blank",
                views.All(v => Enumerable.Range(0, (int)((StackVa - DataVa) / 0x1000) - 1)
                    .Select(i => DataVa + 0x1000 + (ulong)i * 0x1000)
                    .All(va => va == SharedVa || v.CellAt(va).Glyph == MapCell.Unmapped))),
        ];
    }
}

using VmLab.Sim.Paging;

namespace VmLab.Sim.Viewer;

/// <summary>A process as the memory viewer sees it: its pid, a name for headings, and its page table.</summary>
public sealed record ViewerProcess(int Pid, string Name, PageTable PageTable);

/// <summary>How the viewer draws: colours, the virtual range shown, and the largest map drawn cell per page.</summary>
public sealed record ViewerOptions
{
    /// <summary>WeensyOS MEMSIZE_VIRTUAL: the virtual views cover [0, 0x300000) unless told otherwise.</summary>
    public const ulong DefaultVirtualLimit = 0x300000;

    /// <summary>Above this many frames (or pages) cells stand for groups of frames, so a map stays a screenful.</summary>
    public const int DefaultMaxCells = 4096;

    /// <summary>ANSI colours (WeensyOS style). Off, the letters and the legend still say everything.</summary>
    public bool Color { get; init; }

    /// <summary>One past the last virtual address shown; a multiple of 4 KiB, at most 0x800000000000 (the lower half).</summary>
    public ulong VirtualLimit { get; init; } = DefaultVirtualLimit;

    /// <summary>The most cells a map may have before frames are grouped.</summary>
    public int MaxCells { get; init; } = DefaultMaxCells;

    /// <summary>Cells per row: 64 frames of 4 KiB make 0x40000 bytes per row, as in WeensyOS.</summary>
    public int RowCells { get; init; } = 64;
}

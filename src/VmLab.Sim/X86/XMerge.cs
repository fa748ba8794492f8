namespace VmLab.Sim.X86;

/// <summary>
/// A merge compiled for a page, known by the blocks the region builder took for it before any shrinking (its
/// shape) and whether its accesses leave at a miss. A page whose hot code does not fit one region (the JIT's limits:
/// <see cref="XIl.Optimizable"/>) has its parts merged in turn, each merge taking blocks back from the last: gcc
/// -O0's sudoku compiled the same two regions 19 times, ~30 ms of the JIT each. A merge whose shape was compiled
/// before hands the blocks back to that region instead (in <see cref="XJit{TBus}"/>'s Compile, counted by its Remerged).
/// </summary>
internal sealed class XMerge(int[] shape, bool missExits, XRegion region, List<XRegionBlock> blocks, int[] firstPiece)
{
    /// <summary>The merges a page remembers: beyond that many shapes, the oldest is forgotten.</summary>
    public const int Kept = 8;

    public readonly XRegion Region = region;
    public readonly List<XRegionBlock> Blocks = blocks;
    public readonly int[] FirstPiece = firstPiece;

    /// <summary>The blocks' offsets and instruction counts, in the builder's order.</summary>
    public static int[] ShapeOf(List<XRegionBlock> built)
    {
        var shape = new int[2 * built.Count];
        for (int k = 0; k < built.Count; k++) (shape[2 * k], shape[2 * k + 1]) = (built[k].Offset, built[k].Count);
        return shape;
    }

    public bool Matches(int[] other, bool otherMissExits) => missExits == otherMissExits && shape.AsSpan().SequenceEqual(other);

    /// <summary>Remembers merge m for page, forgetting the oldest past <see cref="Kept"/>.</summary>
    public static void Remember(XCodePage page, XMerge m)
    {
        page.Merges ??= [];
        if (page.Merges.Count == Kept) page.Merges.RemoveAt(0);
        page.Merges.Add(m);
    }
}

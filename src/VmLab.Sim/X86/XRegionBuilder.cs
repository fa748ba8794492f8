namespace VmLab.Sim.X86;

/// <summary>One block of a region: its offset in the page, its instructions up to (not including) an invalid
/// one, and where it ends.</summary>
internal sealed class XRegionBlock(int offset, XOp[] ops, int count, XOp[]? source = null)
{
    public readonly int Offset = offset;
    public readonly XOp[] Ops = ops;
    /// <summary>The decoded block's ops, which Ops may end before (where it runs into another block).</summary>
    public readonly XOp[] Source = source ?? ops;
    /// <summary>Instructions compiled: all but an invalid last one, which stays the interpreter's (#UD).</summary>
    public readonly int Count = count;
    public int End
    {
        get
        {
            int end = Offset;
            foreach (XOp op in Ops) end += op.Len;
            return end;
        }
    }
    /// <summary>The last op compiled, when the block ends in a control transfer or event.</summary>
    public XCode Last => Count == 0 ? XCode.Invalid : Ops[Count - 1].Code;
}

/// <summary>
/// Which blocks a region holds: from the entry, every block reachable by direct jumps, conditional branches,
/// direct calls (the callee, and the return site after the call) and fall-through, within the same code page,
/// up to <see cref="MaxBlocks"/> blocks and <see cref="MaxInstructions"/> instructions (<see cref="MaxFirst"/> for a
/// region that is not a merge), that have run (the JIT's
/// time grows with the region: code that never ran is not worth it; the region leaves there) and that no
/// compiled region of the page holds yet: a block that becomes hot after its page's loop was compiled gets a
/// region of its own, and the regions of a page jump to each other through the dispatcher's loop, rather than
/// the JIT compiling the whole loop again each time. A merge (when those jumps have cost about what compiling
/// them again would) takes in the blocks of every region of the page, so a loop's code ends up in one method.
/// Indirect branches and returns leave the region unless they land on one of its blocks.
/// </summary>
internal static class XRegionBuilder
{
    // MaxFirst: the JIT's time grows faster than a region's size (a 250-instruction region of gcc -O2's unrolled
    // recursion took it ~90 ms, the program waiting in the interpreter meanwhile; capped, its parts took 20 ms in
    // all), so a first compile takes the code nearest the hot block; a merge, which pays for itself by then,
    // may take them all
    public const int MaxBlocks = 48, MaxInstructions = 400, MaxFirst = 128;

    /// <summary>The region's blocks; most, when given, caps its instructions below the usual
    /// (<see cref="MaxFirst"/>, or <see cref="MaxInstructions"/> for a merge). With next (the code page at the
    /// following virtual page), blocks there that have run are taken in too, at offsets from 4096 on: a loop that
    /// runs across the page boundary stays in one region instead of leaving it twice per iteration.</summary>
    public static List<XRegionBlock> Build(XCodeCache cache, XCodePage page, int entry, bool merge, int most = MaxInstructions,
        XCodePage? next = null, ulong nextVpn = 0)
    {
        var blocks = new List<XRegionBlock>();
        var seen = new HashSet<int> { entry };
        var queue = new Queue<int>();
        queue.Enqueue(entry);
        int instructions = 0;
        bool seeded = false;
        most = Math.Min(most, merge ? MaxInstructions : MaxFirst);
        while (blocks.Count < MaxBlocks && instructions < most)
        {
            if (queue.Count == 0)
            {
                if (seeded) break;
                seeded = true;
                Seed(page, seen, queue, merge);
                continue;
            }
            int off = queue.Dequeue();
            XBlock? b = off >= 4096 ? cache.Block(next!, off - 4096) : cache.Block(page, off) ?? Straddling(cache, page, off, next, nextVpn);
            if (b is null) continue;
            if (off != entry && !Ran(b)) continue;   // never run: the region leaves there
            // compiled already: the region chains to that one (a block of the next page is taken in as a copy: its
            // page's regions never merge with this page's)
            if (off != entry && off < 4096 && !merge && Held(b)) continue;
            int count = b.Ops.Length;
            if (b.Ops[^1].Code == XCode.Invalid) count--;
            if (count == 0 && blocks.Count > 0) continue;
            var block = new XRegionBlock(off, b.Ops, count);
            blocks.Add(block);
            instructions += count;
            foreach (int to in Successors(block))
                if (to >= 0 && to < (next is null ? 4096 : 8192) && seen.Add(to)) queue.Enqueue(to);
        }
        return Cut(blocks, page);
    }

    /// <summary>Ends each block where it runs into the start of another block of the region or of a compiled
    /// region of the page (a loop's head that the code before the loop falls into, decoded as one block with it):
    /// the block then goes on into that one. Otherwise the instructions are compiled twice (the region's code and
    /// the JIT's time grow), and the copy reaches the loop's body from outside its head.</summary>
    private static List<XRegionBlock> Cut(List<XRegionBlock> blocks, XCodePage page)
    {
        var starts = new HashSet<int>();
        foreach (XRegionBlock b in blocks) starts.Add(b.Offset);
        for (int off = 0; off < page.Blocks.Length; off++)
            if (page.Blocks[off] is { } b && Held(b)) starts.Add(off);
        var cut = new List<XRegionBlock>(blocks.Count);
        foreach (XRegionBlock b in blocks)
        {
            int at = b.Offset, k = 0;
            while (k < b.Count)
            {
                at += b.Ops[k].Len;
                k++;
                if (k < b.Ops.Length && starts.Contains(at)) break;
            }
            cut.Add(k < b.Count ? new XRegionBlock(b.Offset, b.Ops[..k], k, b.Ops) : b);
        }
        return cut;
    }

    /// <summary>Then the blocks of the page the dispatcher has entered (the targets of indirect jumps and returns
    /// seen so far, which no direct branch reaches), hottest first, so that a jump table's cases or a return
    /// stay in the region.</summary>
    private static void Seed(XCodePage page, HashSet<int> seen, Queue<int> queue, bool merge)
    {
        var heated = new List<(int Heat, int Offset)>();
        for (int off = 0; off < page.Blocks.Length; off++)
            if (page.Blocks[off] is { Tail: 0 } b && Ran(b) && (merge || !Held(b)) && !seen.Contains(off))
                heated.Add((Held(b) ? int.MaxValue : b.Heat, off));
        // hottest first, equal heats by offset (a stable insertion sort: LINQ's OrderByDescending over tuples was
        // JIT-compiled at a run's first region)
        for (int i = 1; i < heated.Count; i++)
        {
            var h = heated[i];
            int at = i;
            for (; at > 0 && heated[at - 1].Heat < h.Heat; at--) heated[at] = heated[at - 1];
            heated[at] = h;
        }
        foreach (var (_, off) in heated)
            if (seen.Add(off)) queue.Enqueue(off);
    }

    /// <summary>The instruction at off that runs on into the next page, when the region takes in that page (next)
    /// and the instruction was fetched this epoch with nextVpn mapping to it (its bytes on both pages checked
    /// then): else it stays the interpreter's, and the region leaves there.</summary>
    private static XBlock? Straddling(XCodeCache cache, XCodePage page, int off, XCodePage? next, ulong nextVpn) =>
        next is not null && page.Blocks[off] is { Tail: > 0 } b && b.CheckedEpoch == cache.Epoch && b.CheckedVpn == nextVpn ? b : null;

    /// <summary>Whether the block has run: entered by the dispatcher, or held by a compiled region (whose blocks
    /// the dispatcher no longer sees).</summary>
    private static bool Ran(XBlock b) => b.Heat > 0 || Held(b) || b.Tail > 0;   // a straddling one: fetched this epoch

    /// <summary>Whether a compiled region (ready or still with the JIT) holds the block.</summary>
    private static bool Held(XBlock b) => b.Region is { Code: not null };

    /// <summary>The offsets in the page a block can continue at that are known before it runs.</summary>
    private static IEnumerable<int> Successors(XRegionBlock b)
    {
        if (b.Count < b.Ops.Length) yield break;   // ends at an invalid instruction
        XOp last = b.Ops[b.Count - 1];
        int end = b.End;
        switch (last.Code)
        {
            case XCode.Jmp: yield return end + (int)last.Imm; break;
            case XCode.Jcc:
                yield return end + (int)last.Imm;
                yield return end;
                break;
            case XCode.Call:
                yield return end + (int)last.Imm;
                yield return end;   // where the callee's ret comes back
                break;
            case XCode.CallInd: yield return end; break;
            case XCode.Ret or XCode.JmpInd or XCode.Syscall or XCode.Hlt: break;
            default: yield return end; break;   // the block stopped at its size limit or the page end
        }
    }
}

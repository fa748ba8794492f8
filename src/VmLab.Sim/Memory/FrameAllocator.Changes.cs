namespace VmLab.Sim.Memory;

// WHICH FRAMES CHANGED: an observer (the kernel's memory checker) asks which frames' owner, pid or reference count
// may differ since it last asked, instead of reading every frame again. The journal is bounded: an observer that
// fell too far behind, or one asking across a restore, is told to look at everything.
public sealed partial class FrameAllocator
{
    private readonly List<ulong> _journal = [];     // pfns, in the order they changed (repeats allowed)
    private long _journalBase;                      // the change number of _journal[0]

    /// <summary>The change number an observer passes to <see cref="ChangedSince"/> next time to see what happens from now on.</summary>
    internal long ChangeMark => _journalBase + _journal.Count;

    /// <summary>The frames (pfns, maybe repeated) whose <see cref="FrameInfo"/> may have changed since
    /// <paramref name="mark"/> (an earlier <see cref="ChangeMark"/>); <paramref name="everything"/> is set when that is
    /// no longer known: then every frame may have changed.</summary>
    internal ReadOnlySpan<ulong> ChangedSince(long mark, out bool everything)
    {
        everything = mark < _journalBase || mark > ChangeMark;
        return everything ? default : System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_journal)[(int)(mark - _journalBase)..];
    }

    private void Changed(ulong pfn)
    {
        Version++;
        if (_journal.Count >= 4 * (int)Math.Min(_memory.FrameCount, 1 << 20) + 64)
        {
            _journalBase += _journal.Count;      // whoever has not caught up looks at everything
            _journal.Clear();
        }
        _journal.Add(pfn);
    }

    // Every frame may differ: no earlier mark is answered any more.
    private void ChangedAll()
    {
        Version++;
        _journalBase += _journal.Count + 1;
        _journal.Clear();
    }
}

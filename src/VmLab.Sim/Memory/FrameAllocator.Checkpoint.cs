namespace VmLab.Sim.Memory;

/// <summary>Everything a <see cref="FrameAllocator"/> decides with: owned frames, the freed stack (top first), the
/// cursor of never-used frames.</summary>
internal sealed record FrameAllocatorState(KeyValuePair<ulong, FrameInfo>[] Used, ulong[] Freed, ulong Cursor, long Refusals);

public sealed partial class FrameAllocator
{
    internal FrameAllocatorState Save() => new([.. _used], [.. _freed], _cursor, Refusals);

    // Nothing reads _used in its enumeration order (Owned and Leaks sort), so re-adding in any order is exact.
    internal void Restore(FrameAllocatorState state)
    {
        _used.Clear();
        foreach (var (pfn, info) in state.Used) _used.Add(pfn, info);
        _freed.Clear();
        for (int i = state.Freed.Length - 1; i >= 0; i--) _freed.Push(state.Freed[i]);
        _cursor = state.Cursor;
        Refusals = state.Refusals;
        ChangedAll();
    }
}

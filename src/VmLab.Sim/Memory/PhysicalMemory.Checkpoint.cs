namespace VmLab.Sim.Memory;

public sealed partial class PhysicalMemory
{
    /// <summary>The bytes of frame <paramref name="pfn"/>, or null while it is untouched (reads as zeros). For
    /// checkpoints: the array is live memory, to be copied, never kept or written.</summary>
    internal byte[]? PeekFrame(ulong pfn)
    {
        if (pfn >= FrameCount) ThrowOutOfRange(pfn << FrameShift);
        return _chunks[pfn >> ChunkShift]?[pfn & ChunkMask];
    }

    /// <summary>Makes frame <paramref name="pfn"/> hold a copy of <paramref name="bytes"/> (null: untouched zeros),
    /// reusing its host array when it has one.</summary>
    internal void RestoreFrame(ulong pfn, byte[]? bytes)
    {
        if (bytes is null)
        {
            ZeroFrame(pfn << FrameShift);
            return;
        }
        bytes.AsSpan().CopyTo(Written(pfn << FrameShift));
    }
}

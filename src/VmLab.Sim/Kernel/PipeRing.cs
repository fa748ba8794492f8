namespace VmLab.Sim.Kernel;

/// <summary>The kernel's pipe buffer: a ring of <see cref="Kernel.PipeSize"/> bytes in kernel memory, which the pipe
/// seam (<see cref="IPipeKernel"/>) fills and drains as <c>k.Pipe</c>.</summary>
public sealed class PipeRing
{
    private readonly byte[] _ring = new byte[Kernel.PipeSize];
    private int _head;

    /// <summary>Bytes waiting to be read.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes that can still be written.</summary>
    public int Space => _ring.Length - Count;

    /// <summary>Appends all of bytes; throws if they do not fit (check <see cref="Space"/> first).</summary>
    public void Push(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Space) throw new InvalidOperationException($"pipe: {bytes.Length} bytes do not fit in {Space}");
        for (int i = 0; i < bytes.Length; i++) _ring[(_head + Count + i) % _ring.Length] = bytes[i];
        Count += bytes.Length;
    }

    /// <summary>Removes dst.Length bytes into dst; throws if fewer are waiting (check <see cref="Count"/>).</summary>
    public void Pop(Span<byte> dst)
    {
        if (dst.Length > Count) throw new InvalidOperationException($"pipe: {dst.Length} bytes asked, {Count} waiting");
        for (int i = 0; i < dst.Length; i++) dst[i] = _ring[(_head + i) % _ring.Length];
        _head = (_head + dst.Length) % _ring.Length;
        Count -= dst.Length;
    }
}

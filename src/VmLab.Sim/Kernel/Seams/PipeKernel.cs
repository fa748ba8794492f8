using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

/// <summary>H2 the pipe kernel: pipewrite(buf, len) and piperead(buf, len) on k.Pipe. A buffer that is not
/// wholly user-readable (write) or user-writable (read) returns -1, whatever the pipe holds. Otherwise they
/// return the bytes moved; how many per call, and whether a caller that cannot progress sleeps
/// (k.Block) or gets 0, is the design question of H2.</summary>
public interface IPipeKernel
{
    /// <summary>
    /// pipewrite: copies up to <paramref name="len"/> bytes from user address <paramref name="buf"/> into k.Pipe; the
    /// bytes moved, or -1 as ulong for a bad buffer.
    /// </summary>
    ulong Write(Kernel k, Process p, ulong buf, ulong len);

    /// <summary>
    /// piperead: copies up to <paramref name="len"/> bytes from k.Pipe to user address <paramref name="buf"/>; the
    /// bytes moved, or -1 as ulong for a bad buffer.
    /// </summary>
    ulong Read(Kernel k, Process p, ulong buf, ulong len);
}

/// <summary>The pipe kernels of seed 003 H1/H2, one technique switched on at a time: batching (as many bytes
/// as fit per call), blocking (a caller that cannot progress sleeps), hand-off (a write that wakes the
/// reader gives it the CPU at once). <see cref="Best"/>, all three, is the reference.</summary>
public sealed class TeachingPipe(string name, bool batch, bool block, bool handoff) : IPipeKernel
{
    /// <summary>The handout: one byte per call, 0 when the pipe is full or empty (the caller polls).</summary>
    public static TeachingPipe Naive { get; } = new("naive", false, false, false);
    /// <summary>One byte per call; a caller that cannot progress sleeps until the other side moves.</summary>
    public static TeachingPipe Blocking { get; } = new("blocking", false, true, false);
    /// <summary>As many bytes as fit per call; still polling.</summary>
    public static TeachingPipe Batching { get; } = new("batching", true, false, false);
    /// <summary>Batching, blocking and hand-off: the reference pipe.</summary>
    public static TeachingPipe Best { get; } = new("best", true, true, true);

    /// <inheritdoc/>
    public ulong Write(Kernel k, Process p, ulong buf, ulong len)
    {
        if (len > MaxWrite || !k.UserReadable(p, buf, len)) return Kernel.Fail;   // even when the pipe is full
        int n = (int)Math.Min(len, (ulong)k.Pipe.Space);
        if (!batch) n = Math.Min(n, 1);
        if (n == 0 && len > 0 && block) return k.Block(p);
        Span<byte> bytes = stackalloc byte[n];
        k.TryCopyFromUser(p, buf, bytes);
        k.Pipe.Push(bytes);
        if (n > 0 && k.WakeAll() && handoff) k.Yield();    // let the reader run now
        return (ulong)n;
    }

    /// <inheritdoc/>
    public ulong Read(Kernel k, Process p, ulong buf, ulong len)
    {
        if (len > MaxWrite || !k.UserWritable(p, buf, len)) return Kernel.Fail;   // even when the pipe is empty
        int n = (int)Math.Min(len, (ulong)k.Pipe.Count);
        if (!batch) n = Math.Min(n, 1);
        if (n == 0 && len > 0 && block) return k.Block(p);
        Span<byte> bytes = stackalloc byte[n];
        k.Pipe.Pop(bytes);
        k.TryCopyToUser(p, buf, bytes);
        if (n > 0) k.WakeAll();
        return (ulong)n;
    }

    /// <summary>The variant's name: "naive", "blocking", "batching" or "best".</summary>
    public override string ToString() => name;
}

public sealed partial record KernelSeams
{
    /// <summary>
    /// H2 pipewrite/piperead: one of the <see cref="TeachingPipe"/> variants, <see cref="TeachingPipe.Best"/> by
    /// default.
    /// </summary>
    public IPipeKernel PipeKernel { get; init; } = TeachingPipe.Best;
}

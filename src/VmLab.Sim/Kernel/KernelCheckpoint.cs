using System.IO.Compression;
using System.Text;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;

namespace VmLab.Sim.Kernel;

/// <summary>
/// What only grows in one deterministic run (one scenario with one set of options): every process that ever
/// ran, the faults, the checker's findings, the console, the trace. Whatever step the run is at, each of these
/// is a prefix of the longest one seen, so the checkpoints of a run keep counts and share one copy here.
/// A process is kept once it has ended (it never changes again); live ones are in the checkpoints.
/// </summary>
internal sealed class RunRecords
{
    internal List<Process?> History { get; } = [];
    internal List<int> Unended { get; } = [];          // indexes into History still null: alive when last seen
    internal List<FaultRecord> Faults { get; } = [];
    internal List<string> CheckerErrors { get; } = [];
    internal StringBuilder Console { get; } = new();
    internal List<string> Trace { get; } = [];
}

/// <summary>A live process at a checkpoint: its copy, and what it has called by name.</summary>
internal sealed record LiveProcess(Process Copy, KeyValuePair<string, long>[]? SyscallCounts);

/// <summary>
/// A kernel's complete state at one instruction count: put back into a kernel booted the same way
/// (<see cref="Kernel.Restore"/>), it is the machine a run to that count leaves, exactly. Physical memory is
/// kept page by page, sharing every page equal to the previous checkpoint's; the recent events are packed.
/// </summary>
internal sealed class KernelCheckpoint
{
    internal const int FixedBytes = 16 * 1024;      // allocator, TLB, CPU, processes: a generous estimate

    /// <summary>The instruction count it was taken at.</summary>
    public required long Step { get; init; }

    internal byte[]?[] Pages { get; init; } = null!;
    internal FrameAllocatorState Frames { get; init; } = null!;
    internal MmuState Mmu { get; init; } = null!;
    internal Tlb.State Tlb { get; init; } = null!;
    internal X86CpuState Cpu { get; init; } = null!;
    internal (byte[] Ring, int Head, int Count) Pipe { get; init; }
    internal LiveProcess[] Live { get; init; } = null!;
    internal byte[] Events { get; init; } = null!;
    internal (int History, int Faults, int CheckerErrors, int Console, int Trace) Counts { get; init; }
    internal KernelScalars Scalars { get; init; } = null!;

    /// <summary>Host bytes held by this checkpoint and not by <paramref name="previous"/> (pages are shared between
    /// neighbours): what dropping it would give back, were <paramref name="previous"/> its neighbour.</summary>
    public long BytesBeyond(KernelCheckpoint? previous)
    {
        long bytes = FixedBytes + Events.Length;
        for (int i = 0; i < Pages.Length; i++)
            if (Pages[i] is { } page && !ReferenceEquals(page, previous?.Pages[i])) bytes += page.Length;
        return bytes;
    }

    /// <summary>The pages of the machine now, each shared with <paramref name="previous"/> when its bytes are equal.</summary>
    internal static byte[]?[] PagesOf(PhysicalMemory memory, KernelCheckpoint? previous)
    {
        var pages = new byte[]?[memory.FrameCount];
        for (ulong pfn = 0; pfn < memory.FrameCount; pfn++)
        {
            if (memory.PeekFrame(pfn) is not { } live) continue;
            byte[]? before = previous is not null && (int)pfn < previous.Pages.Length ? previous.Pages[pfn] : null;
            pages[pfn] = before is not null && before.AsSpan().SequenceEqual(live) ? before : [.. live];
        }
        return pages;
    }
}

/// <summary>The kernel's own counters and flags.</summary>
internal sealed record KernelScalars(int Current, int Loaded, int Entries, bool Resume, bool SwitchPending, string? Panic,
    long SyscallCount, long ContextSwitches, ulong MinFreeFrames, long EventCount, long CopyOnWriteFaults, long PipeSyscalls,
    long RunTicks, bool OutOfTime, long TimerTicks, long CoalescedTicks, long ProcessesCreated, long FaultCount, Process? FirstKilled,
    Process[] RecentlyEnded);

/// <summary>The recent events packed (deflated): thousands of short, repetitive lines shrink tenfold.</summary>
internal static class EventPacking
{
    public static byte[] Pack(IReadOnlyCollection<KernelEvent> events)
    {
        var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(deflate, Encoding.UTF8))
        {
            w.Write(events.Count);
            foreach (var e in events)
            {
                w.Write(e.Step);
                w.Write((byte)e.Kind);
                w.Write(e.Pid);
                w.Write(e.Text);
                Optional(w, e.Syscall, w.Write);
                Optional(w, e.Address, w.Write);
                Optional(w, e.Access, w.Write);
                Optional(w, e.ErrorCode, w.Write);
                Optional(w, e.Meaning, w.Write);
                Optional(w, e.Handled, w.Write);
            }
        }
        return buffer.ToArray();
    }

    public static IEnumerable<KernelEvent> Unpack(byte[] packed)
    {
        using var r = new BinaryReader(new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress), Encoding.UTF8);
        int count = r.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var e = new KernelEvent(r.ReadInt64(), (KernelEventKind)r.ReadByte(), r.ReadInt32(), r.ReadString());
            yield return e with
            {
                Syscall = r.ReadBoolean() ? r.ReadString() : null,
                Address = r.ReadBoolean() ? r.ReadUInt64() : null,
                Access = r.ReadBoolean() ? r.ReadString() : null,
                ErrorCode = r.ReadBoolean() ? r.ReadUInt32() : null,
                Meaning = r.ReadBoolean() ? r.ReadString() : null,
                Handled = r.ReadBoolean() ? r.ReadBoolean() : null,
            };
        }
    }

    private static void Optional<T>(BinaryWriter w, T? value, Action<T> write) where T : class
    {
        w.Write(value is not null);
        if (value is not null) write(value);
    }

    private static void Optional<T>(BinaryWriter w, T? value, Action<T> write) where T : struct
    {
        w.Write(value.HasValue);
        if (value is { } v) write(v);
    }
}

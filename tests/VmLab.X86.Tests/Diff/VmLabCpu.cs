using VmLab.Sim.Cpu;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;

namespace VmLab.X86.Tests.Diff;

/// <summary>A way of running a case on VmLab's CPU. With onRetire it single-steps and reports the rip of every
/// retired instruction (for the class counts); without, it runs the case in one Run, as the kernel does.</summary>
internal interface IVmLabRunner
{
    string Name { get; }

    X86Outcome Run(X86Case c, Action<ulong>? onRetire = null);
}

/// <summary>The cases on one flat memory at the harness's addresses (code page, data page), reused for every
/// case, so the decoded-block cache sees its code change under it every time. Not for faulting cases: flat
/// memory has no read-only page.</summary>
internal sealed class FlatVmLab : IVmLabRunner
{
    private readonly byte[] _memory;
    private readonly X86Cpu<FlatBus> _cpu;

    public FlatVmLab()
    {
        var bus = FlatBus.Allocate(2 * 4096, X86Case.CodeVa);
        _memory = bus.Memory;
        _cpu = new X86Cpu<FlatBus>(bus) { Translation = false };
    }

    public string Name => "flat";

    public X86Outcome Run(X86Case c, Action<ulong>? onRetire = null)
    {
        Array.Clear(_memory, 0, 4096);
        c.Code.CopyTo(_memory, 0);
        c.Data.CopyTo(_memory, 4096);
        c.Tail.CopyTo(_memory, 8192 - X86Case.TailSize);
        var o = CpuRun.Run(_cpu, c, onRetire);
        Array.Copy(_memory, 4096, o.Data, 0, X86Case.DataSize);
        Array.Copy(_memory, 8192 - X86Case.TailSize, o.Tail, 0, X86Case.TailSize);
        return o;
    }
}

/// <summary>
/// The cases through the machine's own paging: a 4-level page table walked by the MMU, a TLB and the physical
/// frames (<see cref="PagedBus"/>), user privilege, NX on: code read/write/execute, the data page read/write
/// no-execute, the read-only page above it and nothing mapped above that, as the host harness lays them out.
/// The code and data pages move between two frames from case to case (page-table edits followed by INVLPG or
/// a CR3 reload, as a kernel does), so a stale TLB entry or decoded block would run the wrong bytes.
/// Interpreted (the oracle), or translated: every block compiled to IL the first time it runs, its accesses
/// missing the (emptied) host TLB either through the region's slow path (missLimit 0) or leaving the region for the
/// interpreter (the translator's own limit, which a case never reaches).
/// </summary>
internal sealed class PagedVmLab : IVmLabRunner
{
    private readonly PhysicalMemory _memory = new(64 * 4096);
    private readonly PageTable _pt;
    private readonly Tlb _tlb;
    private readonly X86Cpu<PagedBus> _cpu;
    private readonly ulong[] _codeFrames = new ulong[2], _dataFrames = new ulong[2];
    private readonly Random _moves = new(26);
    private ulong _code, _data;

    public PagedVmLab(bool translated = false, long? missLimit = null)
    {
        Name = !translated ? "paged" : missLimit == 0 ? "paged, translated" : "paged, translated, leaving at a miss";
        var frames = new FrameAllocator(_memory);
        _pt = PageTable.Create(frames);
        for (int i = 0; i < 2; i++)
        {
            _codeFrames[i] = frames.Allocate(FrameOwner.Process, 1);
            _dataFrames[i] = frames.Allocate(FrameOwner.Process, 1);
        }
        ulong ro = frames.Allocate(FrameOwner.Process, 1);
        Span<byte> pattern = _memory.FrameSpan(ro);
        for (int i = 0; i < 4096; i++) pattern[i] = X86Case.RoByte(i);
        _code = _codeFrames[0];
        _data = _dataFrames[0];
        _pt.Iter(X86Case.CodeVa).Map(_code, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U);
        _pt.Iter(X86Case.DataVa).Map(_data, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX);
        _pt.Iter(X86Case.RoVa).Map(ro, Pte.PTE_P | Pte.PTE_U | Pte.PTE_NX);
        _tlb = new Tlb(new Mmu(_memory) { NoExecuteEnable = true });
        _tlb.LoadCr3(_pt.Root);
        _cpu = new X86Cpu<PagedBus>(new PagedBus(_tlb)) { Translation = translated, TranslationThreshold = 0 };
        if (missLimit is { } limit) _cpu.TranslationMissLimit = limit;
    }

    public string Name { get; }

    /// <summary>Regions the translator compiled so far.</summary>
    public long Compiled => _cpu.TranslationStats.Regions;

    public X86Outcome Run(X86Case c, Action<ulong>? onRetire = null)
    {
        Move();
        Span<byte> code = _memory.FrameSpan(_code), data = _memory.FrameSpan(_data);
        code.Clear();
        c.Code.CopyTo(code);
        c.Data.CopyTo(data);
        c.Tail.CopyTo(data[(4096 - X86Case.TailSize)..]);
        var o = CpuRun.Run(_cpu, c, onRetire);
        data[..X86Case.DataSize].CopyTo(o.Data);
        data[(4096 - X86Case.TailSize)..].CopyTo(o.Tail);
        return o;
    }

    /// <summary>One time in four, the code or the data page moves to its other frame.</summary>
    private void Move()
    {
        int roll = _moves.Next(8);
        if (roll == 0) Remap(X86Case.CodeVa, ref _code, _codeFrames, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U);
        else if (roll == 1) Remap(X86Case.DataVa, ref _data, _dataFrames, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX);
    }

    private void Remap(ulong va, ref ulong current, ulong[] frames, ulong perm)
    {
        current = current == frames[0] ? frames[1] : frames[0];
        _pt.Iter(va).Map(current, perm);
        if (_moves.Next(2) == 0) _tlb.Invlpg(va);
        else _tlb.LoadCr3(_pt.Root);
    }
}

/// <summary>Loads a case's registers into a CPU whose memory is ready, runs it, and reads the outcome.</summary>
internal static class CpuRun
{
    public static X86Outcome Run<TBus>(X86Cpu<TBus> cpu, X86Case c, Action<ulong>? onRetire) where TBus : IMemoryBus
    {
        for (int i = 0; i < 16; i++) cpu[(Reg)i] = c.Regs[i];
        cpu.Rip = X86Case.CodeVa;
        cpu.Rflags = c.Rflags;
        long start = cpu.InstructionCount;
        StopReason stop;
        if (onRetire is null) stop = cpu.Run(100_000);
        else
        {
            int steps = 0;
            do
            {
                ulong rip = cpu.Rip;
                stop = cpu.Step();
                if (stop == StopReason.Budget) onRetire(rip);
            } while (stop == StopReason.Budget && ++steps < 100_000);
        }
        var o = new X86Outcome { Rip = cpu.Rip, Rflags = cpu.Rflags, Retired = cpu.InstructionCount - start };
        if (stop == StopReason.InvalidOpcode) o.Signal = X86Outcome.SigIll;
        else if (stop == StopReason.Fault)
        {
            MemoryFault f = cpu.LastFault;
            o.Signal = f.Kind == FaultKind.DivideError ? X86Outcome.SigFpe : X86Outcome.SigSegv;
            o.Vector = (ulong)f.Vector;
            o.Cause = f.Cause;
            if (f.Kind == FaultKind.PageFault)
            {
                o.FaultAddress = f.Address;
                o.ErrorCode = (ulong)f.ErrorCode;
            }
        }
        for (int i = 0; i < 16; i++) o.Regs[i] = cpu[(Reg)i];
        return o;
    }
}

using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;
using SimKernel = VmLab.Sim.Kernel.Kernel;
using SimProcess = VmLab.Sim.Kernel.Process;

namespace VmLab.Sim.Viewer;

/// <summary>A user mapping of a frame: which process, at which virtual address, with which access class.</summary>
public sealed record FrameMapping(int Pid, ulong Va, char Access);

/// <summary>
/// One physical frame: owner (free, reserved, kernel, console, page_table, process), owning pid, reference
/// count, kind (page_table, user, kernel, reserved, console, free), the level of a page-table page (3 = PML4 ...
/// 0 = PT), the glyph <c>sim memory</c> draws, and every user mapping of it.
/// </summary>
public sealed record FrameView(int Index, ulong Pa, string Owner, int Pid, int Refcount, string Kind, int? Level, string? Table,
    char Glyph, IReadOnlyList<FrameMapping> Mappings);

/// <summary>A present virtual page of an address space: the frame, the access class (U u K k), the entry's flags.</summary>
public sealed record PageView(ulong Va, ulong Pa, char Access, string Flags, bool Cow);

/// <summary>A process: identity, state, registers, the instruction at rip, counters, how it ended, its pages.</summary>
public sealed record ProcessView(int Pid, string Name, string State, int Parent, ulong PageTableRoot, IReadOnlyDictionary<string, ulong> Registers,
    string Instruction, long Instructions, long Syscalls, IReadOnlyDictionary<string, long> SyscallCounts, long? ExitStatus, string? KillReason,
    IReadOnlyList<PageView> Pages);

/// <summary>A process that has ended: how (exited with a status, or killed and why) and what it had done.</summary>
public sealed record EndedProcess(int Pid, string Name, string State, int Parent, long? ExitStatus, string? KillReason, long Instructions, long Syscalls);

/// <summary>
/// Everything the machine's viewers show at one step, read from the kernel (owners, rights and page walks come
/// from the same code the terminal viewer uses: <see cref="AddressSpace"/>, <see cref="MapCell"/>, the MMU).
/// Building it changes nothing in the machine.
/// </summary>
public sealed record MachineSnapshot(long Step, int? Running, IReadOnlyList<ProcessView> Processes, ProcessView Kernel,
    IReadOnlyList<FrameView> Frames, IReadOnlyList<KernelEvent> Events, long EventCount, string Console,
    IReadOnlyList<string> CheckerErrors, int LeakedFrames, long FreeFrames, long FreeFramesAtBoot, string? Panic, bool Finished)
{
    /// <summary>The scenario the machine runs, when a <see cref="MachineSession"/> took the snapshot.</summary>
    public string? Scenario { get; init; }

    /// <summary>The furthest step the session has reached (the timeline's right end).</summary>
    public long Furthest { get; init; }

    /// <summary>The seams that are a student's (<see cref="ScenarioArgs.Seams"/>), by exercise name; empty for the
    /// scenario's own kernel.</summary>
    public IReadOnlyList<string> StudentSeams { get; init; } = [];

    /// <summary>Once the machine has finished: whether what the scenario set out to show held (as `sim run` judges it);
    /// null before.</summary>
    public bool? Passed { get; init; }

    /// <summary>Once the machine has finished: the scenario's verdict in words; null before.</summary>
    public string? Verdict { get; init; }

    /// <summary>Each checker error among the kept events at its step, with the event that caused it.</summary>
    public IReadOnlyList<CheckerFinding> CheckerFindings { get; init; } = [];

    /// <summary>The most recently ended processes (at most 16), oldest first.</summary>
    public IReadOnlyList<EndedProcess> Ended { get; init; } = [];

    /// <summary>The snapshot of <paramref name="k"/> now, with its last <paramref name="maxEvents"/> events; each process's
    /// instruction is disassembled with the symbols of its program (<paramref name="images"/>: the kernel's C programs by
    /// name when not given).</summary>
    public static MachineSnapshot Of(SimKernel k, int maxEvents = 200, Func<string, ProgramImage?>? images = null)
    {
        var live = k.Processes;
        var byFrame = new Dictionary<ulong, List<FrameMapping>>();
        images ??= ElfPrograms.Image;
        var processes = live.Select(p => Process(k, p, byFrame, images)).ToList();
        var kernelView = new ProcessView(0, "kernel", "kernel", 0, k.KernelPageTable.Root, new Dictionary<string, ulong>(), "", 0,
            k.SyscallCount, new Dictionary<string, long>(), null, null, Pages(k.KernelPageTable, null, null));
        var levels = TableLevels(k);
        var frames = new List<FrameView>((int)k.Memory.FrameCount);
        for (ulong i = 0; i < k.Memory.FrameCount; i++)
        {
            ulong pa = i << PhysicalMemory.FrameShift;
            var info = k.Frames.Info(pa);
            int? level = levels.TryGetValue(pa, out int l) ? l : null;
            frames.Add(new FrameView((int)i, pa, AddressSpace.OwnerName(info.Owner), info.Pid, info.RefCount, Kind(info.Owner), level,
                level is { } lv ? TableEntryLine.TableName(lv) : null, MapCell.FrameGlyph(info),
                byFrame.TryGetValue(pa, out var m) ? m : []));
        }
        // Leaks as the checker defines them (FrameAllocator.Leaks), from the walks already made: page-table pages and
        // user frames that no live page table reaches. The rest of the checker runs in the kernel (CheckEvery).
        var reachable = levels.Keys.Concat(byFrame.Where(kv => kv.Value.Any(m => m.Va >= ProcStartAddr)).Select(kv => kv.Key));
        int leaked = k.Frames.Leaks(reachable).Count;
        return new MachineSnapshot(k.Instructions, live.Count > 0 && k.Tlb.Cr3 is var cr3 ? live.FirstOrDefault(p => p.PageTable.Root == cr3)?.Pid : null,
            processes, kernelView, frames, [.. k.Events.TakeLast(maxEvents)], k.EventCount, k.Console, [.. k.CheckerErrors], leaked,
            (long)k.Frames.FreeFrames, (long)k.FreeFramesAtBoot, k.Panic, k.Panic is not null || !live.Any(p => p.State == ProcessState.Runnable))
        {
            Ended = [.. k.RecentlyEnded.Select(p => new EndedProcess(p.Pid, p.Name,
                p.State.ToString().ToLowerInvariant(), p.Parent, p.ExitStatus, p.KillReason, p.Instructions, p.Syscalls))],
        };
    }

    private static ProcessView Process(SimKernel k, SimProcess p, Dictionary<ulong, List<FrameMapping>> byFrame, Func<string, ProgramImage?> images)
    {
        var regs = new Dictionary<string, ulong>();
        for (int i = 0; i < 16; i++) regs[RegisterFile.Names[i]] = p.Registers.Gpr[i];
        regs["rip"] = p.Registers.Rip;
        return new ProcessView(p.Pid, p.Name, p.State.ToString().ToLowerInvariant(), p.Parent, p.PageTable.Root, regs,
            Instruction(k, p, p.Image ?? images(p.Name)), p.Instructions, p.Syscalls,
            k.SyscallsByName(p), p.ExitStatus, p.KillReason,
            Pages(p.PageTable, p.Pid, byFrame));
    }

    // Every present page; user mappings of real frames are also recorded against the frame.
    private static List<PageView> Pages(PageTable pt, int? pid, Dictionary<ulong, List<FrameMapping>>? byFrame)
    {
        var pages = new List<PageView>();
        foreach (var r in AddressSpace.Ranges(pt, MemSizeVirtual))
        {
            char access = AddressSpace.Access(r.Perm);
            string flags = FlagsText(r.Entry);
            bool cow = (r.Entry & SimKernel.PTE_COW) != 0;
            for (ulong va = r.Va, pa = r.Pa; va < r.End; va += PageSize, pa += PageSize)
            {
                pages.Add(new PageView(va, pa, access, flags, cow));
                if (byFrame is null || pid is not { } owner || access is not (MapCell.UserWritable or MapCell.UserReadOnly)) continue;
                if (!byFrame.TryGetValue(pa, out var list)) byFrame[pa] = list = [];
                list.Add(new FrameMapping(owner, va, access));
            }
        }
        return pages;
    }

    // A table has few distinct flag combinations: name each once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, string> s_flags = new();

    private static string FlagsText(ulong entry) => s_flags.GetOrAdd(Pte.Flags(entry), Pte.FormatFlags);

    // Which level each page-table page serves: roots are PML4s, PtIter gives the rest.
    private static Dictionary<ulong, int> TableLevels(SimKernel k)
    {
        var levels = new Dictionary<ulong, int>();
        foreach (var pt in k.Processes.Select(p => p.PageTable).Prepend(k.KernelPageTable))
        {
            levels[pt.Root] = 3;
            for (var it = pt.TablePages(); !it.Done; it.Next()) levels[it.Pa] = it.Level;
        }
        return levels;
    }

    private static string Kind(FrameOwner owner) => owner switch
    {
        FrameOwner.PageTable => "page_table",
        FrameOwner.Process => "user",
        _ => AddressSpace.OwnerName(owner),
    };

    // The instruction at rip, read through the process's own page table as the CPU would fetch it (up to the
    // 15 bytes an x86-64 instruction may take, stopping at the first page the user may not read).
    private static string Instruction(SimKernel k, SimProcess p, ProgramImage? image)
    {
        ulong rip = p.Registers.Rip;
        Span<byte> bytes = stackalloc byte[15];
        int n = 0;
        for (; n < bytes.Length; n++)
        {
            var it = p.PageTable.Iter(rip + (ulong)n);
            if (!it.User || !k.Memory.Contains(it.Pa)) break;
            bytes[n] = k.Memory.ReadByte(it.Pa);
        }
        if (n == 0) return $"(no instruction at 0x{rip:x})";
        return X86Disassembler.One(bytes[..n], rip, X86Syntax.Gnu, image is null ? null : image.SymbolFor).Text;
    }
}

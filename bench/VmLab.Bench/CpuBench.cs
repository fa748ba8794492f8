using BenchmarkDotNet.Attributes;
using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;

namespace VmLab.Bench;

/// <summary>
/// Simulated instructions per second: each benchmark runs exactly <see cref="Instructions"/> instructions, so
/// instructions/s = Instructions / mean time. A tight register loop (fetch + decode + ALU), and a memory loop
/// (a load and a store every 5 instructions), each on the flat bus, on the paged test bus (page-table
/// lookup and permission check on every access) and on the machine's PagedBus (TLB + 4-level MMU + physical memory).
/// </summary>
[MemoryDiagnoser]
public class CpuBench
{
    public const long Instructions = 10_000_000;

    private const string Tight = ".text\nloop: add rax, 1\nxor rbx, rax\ncmp rax, rcx\njne loop\njmp loop";
    private const string MemoryLoop = ".text\n_start: mov rsi, 0x200000\nloop: ld8 rax, [rsi + 8]\nadd rax, 1\nst8 [rsi + 8], rax\nadd rsi, 0\njmp loop";

    private Cpu<FlatBus> _flatTight = null!, _flatMem = null!;
    private Cpu<PagedTestBus> _pagedTight = null!, _pagedMem = null!;
    private Cpu<PagedBus> _mmuTight = null!, _mmuMem = null!;

    [GlobalSetup]
    public void Setup()
    {
        _flatTight = Flat(Tight);
        _flatMem = Flat(MemoryLoop);
        _pagedTight = Paged(Tight);
        _pagedMem = Paged(MemoryLoop);
        _mmuTight = Machine(Tight);
        _mmuMem = Machine(MemoryLoop);
    }

    /// <summary>The real machine: a 4-level page table in physical memory, the MMU and a TLB, user privilege.</summary>
    private static Cpu<PagedBus> Machine(string source)
    {
        var image = Assembler.Assemble(source);
        var frames = new FrameAllocator(new PhysicalMemory());
        var pt = PageTable.Create(frames, 1);
        ulong code = frames.Allocate(FrameOwner.Process, 1), data = frames.Allocate(FrameOwner.Process, 1);
        pt.Iter(image.Entry).Map(code, Pte.PTE_P | Pte.PTE_U);
        pt.Iter(0x200000).Map(data, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX);
        frames.Memory.Write(code, image.Segments[0].Bytes);
        var tlb = new Tlb(new Mmu(frames.Memory));
        tlb.LoadCr3(pt.Root);
        return new Cpu<PagedBus>(new PagedBus(tlb)) { Rip = image.Entry };
    }

    private static Cpu<FlatBus> Flat(string source)
    {
        var image = Assembler.Assemble(source);
        var memory = new byte[4 << 20];
        foreach (var s in image.Segments) s.Bytes.CopyTo(memory, (int)s.Address);
        return new Cpu<FlatBus>(new FlatBus(memory)) { Rip = image.Entry };
    }

    private static Cpu<PagedTestBus> Paged(string source)
    {
        var image = Assembler.Assemble(source);
        var mem = new PagedTestMemory(frames: 16, virtualPages: 1024);
        mem.Map(image.Entry, 1, PagePerm.UserRo);
        mem.Map(0x200000, 2, PagePerm.UserRw);
        mem.Poke(image.Entry, image.Segments[0].Bytes);
        return new Cpu<PagedTestBus>(new PagedTestBus(mem)) { Rip = image.Entry };
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = (int)Instructions)]
    public StopReason TightLoopFlat() => _flatTight.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason MemoryLoopFlat() => _flatMem.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason TightLoopPaged() => _pagedTight.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason MemoryLoopPaged() => _pagedMem.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason TightLoopMmu() => _mmuTight.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason MemoryLoopMmu() => _mmuMem.Run(Instructions);
}

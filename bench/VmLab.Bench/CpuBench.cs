using BenchmarkDotNet.Attributes;
using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;

namespace VmLab.Bench;

/// <summary>
/// Simulated instructions per second: each benchmark runs exactly <see cref="Instructions"/> instructions, so
/// instructions/s = Instructions / mean time. A tight register loop (fetch + decode + ALU), and a memory loop
/// (a load and a store every 5 instructions), each on the flat bus and on the paged test bus (page-table
/// lookup and permission check on every access).
/// </summary>
[MemoryDiagnoser]
public class CpuBench
{
    public const long Instructions = 10_000_000;

    private const string Tight = ".text\nloop: add rax, 1\nxor rbx, rax\ncmp rax, rcx\njne loop\njmp loop";
    private const string MemoryLoop = ".text\n_start: mov rsi, 0x200000\nloop: ld8 rax, [rsi + 8]\nadd rax, 1\nst8 [rsi + 8], rax\nadd rsi, 0\njmp loop";

    private Cpu<FlatBus> _flatTight = null!, _flatMem = null!;
    private Cpu<PagedTestBus> _pagedTight = null!, _pagedMem = null!;

    [GlobalSetup]
    public void Setup()
    {
        _flatTight = Flat(Tight);
        _flatMem = Flat(MemoryLoop);
        _pagedTight = Paged(Tight);
        _pagedMem = Paged(MemoryLoop);
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
}

using BenchmarkDotNet.Attributes;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Bench;

/// <summary>
/// Translations per second on one core: TLB hits (the path every simulated load and store takes) against full
/// 4-level walks (the miss path, no TLB). Each invocation performs <see cref="Ops"/> translations over 64 mapped
/// pages, so ops/s = Ops / mean time.
/// </summary>
[MemoryDiagnoser]
public class MmuBench
{
    public const int Ops = 1 << 16;
    private const int Pages = 64;
    private Mmu _mmu = null!;
    private Tlb _tlb = null!;
    private ulong _root;
    private readonly ulong[] _vas = new ulong[Ops];

    [GlobalSetup]
    public void Setup()
    {
        var memory = new PhysicalMemory(64UL << 20);
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        var pt = PageTable.Create(frames);
        var it = pt.Iter();
        // Pages spread over different PTs, PDs and PDPTs so walks do not share a table page.
        for (int i = 0; i < Pages; i++)
            it.Find(((ulong)i << 30) | ((ulong)i << 21) | ((ulong)i << 12)).Map(0x100000 + (ulong)i * 0x1000, PTE_P | PTE_W | PTE_U);
        _mmu = new Mmu(memory);
        _tlb = new Tlb(_mmu, 64);
        _root = pt.Root;
        _tlb.LoadCr3(_root);
        var rng = new Random(42);
        for (int k = 0; k < Ops; k++)
        {
            ulong i = (ulong)rng.Next(Pages);
            _vas[k] = (i << 30) | (i << 21) | (i << 12) | (uint)rng.Next(4096);
        }
        foreach (ulong va in _vas) _tlb.Translate(va, Access.Read, Privilege.User);   // warm: every later lookup hits
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public ulong TlbHit()
    {
        ulong sum = 0;
        var tlb = _tlb;
        foreach (ulong va in _vas)
        {
            tlb.TryTranslate(va, Access.Read, Privilege.User, out ulong pa, out _);
            sum += pa;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Baseline = true)]
    public ulong FullWalk()
    {
        ulong sum = 0;
        var mmu = _mmu;
        ulong root = _root;
        foreach (ulong va in _vas)
        {
            mmu.TryTranslate(root, va, Access.Read, Privilege.User, out ulong pa, out _);
            sum += pa;
        }
        return sum;
    }
}

using BenchmarkDotNet.Attributes;
using VmLab.Linux;

namespace VmLab.Bench;

/// <summary>
/// Page-map lookups: one pread for a run of pages (batched) against one pread per page. Both report time per
/// entry (OperationsPerInvoke), so the Ratio column is the batching gain. Reference, C on this machine class:
/// batched ~34 ns/entry, one pread per page ~30x slower.
/// </summary>
[MemoryDiagnoser]
public class PageMapBench
{
    private const int Pages = 4096;
    private Mapping _mapping = null!;
    private PageMap _map = null!;
    private readonly PageMapEntry[] _entries = new PageMapEntry[Pages];

    [GlobalSetup]
    public void Setup()
    {
        _mapping = Mapping.Anonymous(Pages * (ulong)PageSize.Value);
        for (int i = 0; i < Pages; i++)
            _mapping.PageSpan(i)[0] = 1;   // present pages: the kernel walks real page-table entries
        _map = PageMap.OpenSelf();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _map.Dispose();
        _mapping.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Pages, Description = "one pread per page")]
    public ulong PerPage()
    {
        ulong sum = 0;
        ulong va = (ulong)_mapping.Address;
        for (int i = 0; i < Pages; i++)
            sum += _map.Read(va + (ulong)i * (ulong)PageSize.Value).Raw;
        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages, Description = "batched (one pread per run)")]
    public ulong Batched()
    {
        _map.Read((ulong)_mapping.Address, _entries);
        return _entries[Pages - 1].Raw;
    }
}

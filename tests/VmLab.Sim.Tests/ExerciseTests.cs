using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Tests;

public class ExerciseTests
{
    private static MappingPair[] Pairs(params (ulong Va, ulong Pa)[] p) => [.. p.Select(x => new MappingPair(x.Va, x.Pa))];

    [Fact]
    public void A1_valid_A2_invalid_A4_valid()
    {
        Assert.True(MappingCheck.Check(Pairs((0, 0), (10, 10), (0x3009, 0x19009))).Valid);
        var a2 = MappingCheck.Check(Pairs((4095, 8193), (4096, 0)));
        Assert.False(a2.Valid);
        Assert.Equal(MappingRule.PageOffsetNotPreserved, Assert.Single(a2.Violations).Rule);
        var a4 = MappingCheck.Check(Pairs((0, 0x1F000), (0x1000, 0x1F000), (0x2000, 0x1F000)));
        Assert.True(a4.Valid);
        Assert.Equal((3, 1), (a4.VirtualPages, a4.Frames));
    }

    [Fact]
    public void Memory_size_bounds_physical_addresses_when_given()
    {
        var v = MappingCheck.Check(Pairs((0x1000, 0x200000)), memorySize: 0x200000);
        Assert.Equal(MappingRule.PhysicalAddressOutOfRange, Assert.Single(v.Violations).Rule);
    }

    [Fact]
    public void Every_frame_below_the_52_bit_limit_is_mapped_and_translated()
    {
        // the rules allow frames up to 2^52; the page table built from the pairs must translate them too
        var high = MappingCheck.Check(Pairs((0x1000, 0x400000000000), (0x7fffffffe000, 0xffffffffff000)));
        Assert.True(high.Valid, high.Reason);
        Assert.Equal(MappingRule.PhysicalAddressOutOfRange, Assert.Single(MappingCheck.Check(Pairs((0x1000, 1UL << 52))).Violations).Rule);
    }

    [Fact]
    public void A3_calls_map_each_page_once()
    {
        var r = MapCalls.Realise(Pairs((0, 0x1F000), (0x4019, 0x19), (0x1000FF, 0x500FF), (0x4020, 0x20)), Pte.PTE_P | Pte.PTE_W);
        Assert.Equal([(0UL, 0x1F000UL), (0x4000UL, 0UL), (0x100000UL, 0x50000UL)], r.Calls.Select(c => (c.Va, c.Pa)));
        Assert.All(r.Checks, c => Assert.True(c.Ok));
    }

    [Fact]
    public void A5_to_A7_bounds_are_reached_on_real_tables()
    {
        var r = PageCount.Compute(0x1ff0, 32, aligned: false);
        Assert.Equal((2UL, 1UL, 2UL), (r.VirtualPages, r.MinPhysicalPages, r.MaxPhysicalPages));
        Assert.True(r.Demonstrated);
        var big = PageCount.Compute(0, 1UL << 30, aligned: true);
        Assert.Equal((262144UL, 1UL, 262144UL), (big.VirtualPages, big.MinPhysicalPages, big.MaxPhysicalPages));
        Assert.False(big.Demonstrated);
        Assert.Throws<ArgumentException>(() => PageCount.Compute(0x10, 1, aligned: true));
    }

    [Fact]
    public void Demo_machine_walks_agree_with_its_region_list()
    {
        var m = DemoMachine.Create();
        foreach (var region in m.Regions.Where(r => r.Perm != 0 && r.Va != DemoMachine.Corrupted))
        {
            var it = m.Table.Iter(region.Va);
            Assert.Equal(region.Pa, it.Pa);
            Assert.Equal(region.Perm & (Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX), it.Perm & (Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX));
        }
    }
}

using VmLab.Linux.Experiments;

namespace VmLab.Linux.Tests;

public class FaultExperimentTests
{
    [LinuxFact]
    public void Idempotent_counts_one_fault_per_page_and_copies_correctly()
    {
        var r = IdempotentExperiment.Run(5 * 4096 + 17);
        Assert.Equal(6, r.Pages);
        Assert.Equal(6, r.Faults);
        Assert.Equal(5 * 4096 + 17, r.Bytes);
        Assert.True(r.CopyCorrect);
        Assert.True(r.FaultsAtPageStarts);
        Assert.True(r.Confirmed);
        Assert.True(r.HandlerNsPerFault > 0 && r.KernelFaultNsPerPage > 0);
    }

    [LinuxFact]
    public void Ondemand_maps_each_of_16_pages_on_first_write()
    {
        var r = OnDemandExperiment.Run();
        Assert.Equal(16, r.Pages);
        Assert.Equal(16, r.Faults);
        Assert.True(r.ValuesCorrect);
        Assert.True(r.FreshPagesZeroed);
        Assert.Equal(16, r.FaultAddresses.Count);
        Assert.True(r.Confirmed);
    }
}

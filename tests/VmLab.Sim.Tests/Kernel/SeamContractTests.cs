using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using static VmLab.Sim.Paging.Pte;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>A seam that maps a page with more permission than its contract line says is a checker error that
/// names the seam, the page and both permissions, found at the entry that called it.</summary>
public class SeamContractTests
{
    private const ulong Text = X86Program.TextAddress, Data = X86Program.DataAddress, Heap = 0x110000;

    private static SimKernel Run(KernelSeams seams, params int[] syscalls)
    {
        var k = new SimKernel(new KernelOptions { CheckEvery = 1, Seams = seams }) { RecordEvents = true };
        k.Spawn(X86Program.Build(a =>
        {
            foreach (int n in syscalls) a.Syscall(n, n == SyscallAbi.PageAlloc ? Heap : 0);
            a.Syscall(SyscallAbi.Exit, 0);
        }, "data"u8), "caller");
        k.Run(1_000_000);
        return k;
    }

    private static List<string> Beyond(SimKernel k) =>
        [.. k.CheckerErrors.Where(e => e.StartsWith("permission beyond the contract: ", StringComparison.Ordinal))];

    private sealed class PageAllocBy(Func<SimKernel, Process, ulong, ulong> f) : IPageAlloc
    {
        public ulong PageAlloc(SimKernel k, Process p, ulong va) => f(k, p, va);
    }

    private sealed class ForkBy(Action<SimKernel, Process, PageTable> after) : IFork
    {
        public PageTable? ForkMemory(SimKernel k, Process parent, int childPid)
        {
            var child = CopyFork.Instance.ForkMemory(k, parent, childPid);
            if (child is not null) after(k, parent, child);
            return child;
        }
    }

    private sealed class RemapBy(Action<SimKernel, Process, ulong> after) : IRemap
    {
        public void Remap(SimKernel k, Process p, ulong va, ulong targetVa)
        {
            ReferenceMemory.Instance.Remap(k, p, va, targetVa);
            after(k, p, va);
        }
    }

    [Fact]
    public void Page_alloc_mapping_an_executable_page_is_named()
    {
        var k = Run(KernelSeams.Reference with
        {
            PageAlloc = new PageAllocBy((k, p, va) => k.MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U, []) ? 0 : SimKernel.Fail),
        }, SyscallAbi.PageAlloc);
        Assert.Equal(["permission beyond the contract: page_alloc(0x110000) mapped the page executable in pid 1 (PTE_P | PTE_W | PTE_U); its contract says PTE_P | PTE_W | PTE_U | PTE_NX"], Beyond(k));
        var found = k.Events.First(e => e.Kind == KernelEventKind.CheckerError);
        Assert.Equal(k.Events.First(e => e.Syscall == "page_alloc").Step, found.Step);
    }

    [Fact]
    public void Page_alloc_mapping_a_second_page_is_named()
    {
        var k = Run(KernelSeams.Reference with
        {
            PageAlloc = new PageAllocBy((k, p, va) =>
                k.MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, []) && k.MapFresh(p.PageTable, va + 0x1000, PTE_P | PTE_W | PTE_U | PTE_NX, []) ? 0 : SimKernel.Fail),
        }, SyscallAbi.PageAlloc);
        Assert.Equal(["permission beyond the contract: page_alloc(0x110000) also mapped va 0x111000 in pid 1 (PTE_P | PTE_W | PTE_U | PTE_NX); its contract maps only the page asked for"], Beyond(k));
    }

    [Fact]
    public void Fork_giving_the_child_a_writable_text_page_is_named()
    {
        var k = Run(KernelSeams.Reference with
        {
            Fork = new ForkBy((k, parent, child) => child.Iter(Text).Map(child.Iter(Text).Pa, PTE_P | PTE_W | PTE_U)),
        }, SyscallAbi.Fork);
        Assert.Equal(["permission beyond the contract: fork mapped va 0x100000 writable in the child (pid 2: PTE_P | PTE_W | PTE_U), but the parent's page is read-only (PTE_P | PTE_U); fork copies permissions"], Beyond(k));
    }

    [Fact]
    public void Fork_giving_the_child_an_executable_data_page_is_named()
    {
        var k = Run(KernelSeams.Reference with
        {
            Fork = new ForkBy((k, parent, child) => child.Iter(Data).Map(child.Iter(Data).Pa, PTE_P | PTE_W | PTE_U)),
        }, SyscallAbi.Fork);
        Assert.Equal(["permission beyond the contract: fork mapped va 0x101000 executable in the child (pid 2: PTE_P | PTE_W | PTE_U), but the parent's page is PTE_NX (PTE_P | PTE_W | PTE_U | PTE_NX); fork copies permissions"], Beyond(k));
    }

    [Fact]
    public void Fork_making_the_parents_text_writable_is_named()
    {
        var k = Run(KernelSeams.Reference with
        {
            Fork = new ForkBy((k, parent, child) =>
            {
                parent.PageTable.Iter(Text).Map(parent.PageTable.Iter(Text).Pa, PTE_P | PTE_W | PTE_U);
                child.Iter(Text).Map(child.Iter(Text).Pa, PTE_P | PTE_W | PTE_U);
            }),
        }, SyscallAbi.Fork);
        Assert.Contains("permission beyond the contract: fork made va 0x100000 of pid 1 writable (PTE_P | PTE_W | PTE_U); it was read-only (PTE_P | PTE_U)", Beyond(k));
    }

    [Fact]
    public void Remap_leaving_the_page_writable_is_named()
    {
        var scenario = Scenario.BigData.Run(Scenario.BigData.Args());
        Assert.Empty(scenario.CheckerErrors);       // the reference remap keeps its contract
        var k = new SimKernel(new KernelOptions
        {
            CheckEvery = 1,
            Seams = KernelSeams.Reference with { Remap = new RemapBy((k, p, va) => p.PageTable.Iter(va & ~0xFFFUL).Map(p.PageTable.Iter(va & ~0xFFFUL).Pa, PTE_P | PTE_W | PTE_U)) },
        });
        var image = ElfPrograms.Image("bigdata")!;
        k.AfterProcessSetup = (kk, p) => kk.Remap(p, image.Symbols["message"], image.Symbols["amazing"]);
        k.Spawn("bigdata");
        ulong page = image.Symbols["message"] & ~0xFFFUL;
        Assert.Contains($"permission beyond the contract: remap left va 0x{page:x} writable in pid 1 (PTE_P | PTE_W | PTE_U); its contract says read-only, PTE_P | PTE_U", Beyond(k));
    }

    [Fact]
    public void The_reference_seams_and_copy_on_write_keep_every_contract()
    {
        foreach (var fork in new IFork[] { CopyFork.Instance, CowFork.Instance })
        {
            var k = new SimKernel(new KernelOptions { CheckEvery = 1, Seams = KernelSeams.Reference with { Fork = fork } });
            Assert.True(k.Spawn("forkexit", 20) > 0 && k.Spawn("forker") > 0 && k.Spawn("allocator") > 0 && k.Spawn("allocator") > 0);
            k.Run(20_000_000);
            Assert.Null(k.Panic);
            Assert.Empty(k.CheckerErrors);
            Assert.True(k.CopyOnWriteFaults > 0 || fork == CopyFork.Instance);
        }
    }
}

using VmLab.Sim.Kernel;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Labs.Grading.TestContext;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Grading;

/// <summary>Graded tests of C1 (bigdata), E1 (copy_mappings) and E3 (free_everything).</summary>
internal static class MemoryTests
{
    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("bigdata_prints", "bigdata", 5, "bigdata prints exactly \"CS 61 Is Amazing\" after the one mapping change", t => BigData(t, clean: false)),
        new("bigdata_no_writes", "bigdata", 5, "no byte of any process frame changes; reference counts equal mappings; nothing leaks", t => BigData(t, clean: true)),
        new("copy_mappings_process", "copy_mappings", 5, "a live process's table: same pa and permissions at every va below MEMSIZE_VIRTUAL, frames shared not copied, src untouched", CopyProcess),
        new("copy_mappings_sparse", "copy_mappings", 5, "a sparse table (kernel-only, console, table-boundary pages): copied exactly; nothing at or above MEMSIZE_VIRTUAL", CopySparse),
        new("free_everything_all", "free_everything", 5, "a table with pages in two page tables: every user page and page-table page comes back, kernel and console untouched", FreeAll),
        new("free_everything_shared", "free_everything", 5, "a frame shared by two tables survives the first free_everything with one reference", FreeShared),
    ];

    private static void BigData(TestContext t, bool clean)
    {
        var k = t.Boot();
        var image = VmLab.Sim.Elf.ElfPrograms.Image("bigdata")!;
        ulong message = image.Symbols["message"], amazing = image.Symbols["amazing"];
        k.AfterProcessSetup = (kk, p) =>
        {
            var before = DataFrames(kk);
            kk.Remap(p, message, amazing);
            if (clean) RequireUnwritten(kk, before, "remap");
        };
        k.Spawn("bigdata");
        Run(k, "remap", strict: clean);
        Require(k.Console == "CS 61 Is Amazing\n", $"bigdata printed \"{k.Console.TrimEnd()}\"; point message's page at amazing's frame");
        if (clean) RequireClean(k, "remap");
    }

    private static PageTable EmptyTable(Kernel k, int pid) => new(k.Memory, k.Frames, k.Frames.Allocate(FrameOwner.PageTable, pid), pid);

    private static void CopyProcess(TestContext t)
    {
        var k = t.Boot();
        int pid = k.Spawn("alice", 3);
        var src = k.Find(pid)!.PageTable;
        Compare(t, k, src, EmptyTable(k, 9));
    }

    private static void CopySparse(TestContext t)
    {
        var k = t.Boot();
        var src = EmptyTable(k, 8);
        var it = src.Iter();
        it.Find(KernelStartAddr).Map(KernelStartAddr, PTE_P | PTE_W);
        it.Find(ConsoleAddr).Map(ConsoleAddr, PTE_P | PTE_W | PTE_U);
        foreach (var (va, perm) in new[] { (0x100000UL, PTE_P | PTE_U), (0x1ff000UL, PTE_P | PTE_W | PTE_U | PTE_NX),
                     (0x200000UL, PTE_P | PTE_W | PTE_U), (StackPage, PTE_P | PTE_W | PTE_U | PTE_NX),
                     (MemSizeVirtual, PTE_P | PTE_W | PTE_U), (0x40000000UL, PTE_P | PTE_U) })
            it.Find(va).Map(k.Frames.Allocate(FrameOwner.Process, 8), perm);
        var dst = EmptyTable(k, 9);
        Compare(t, k, src, dst);
        foreach (ulong va in new[] { MemSizeVirtual, 0x40000000UL })
            Require(!dst.Iter(va).Present, $"copy_mappings copied va 0x{va:x}, which is at or above MEMSIZE_VIRTUAL (0x{MemSizeVirtual:x})");
    }

    // Runs copy_mappings(dst, src) and checks the result page by page.
    private static void Compare(TestContext t, Kernel k, PageTable src, PageTable dst)
    {
        var srcDump = src.Dump();
        var data = DataFrames(k);
        int processFrames = k.Frames.Owned(FrameOwner.Process).Count;
        t.Seams.CopyMappings.CopyMappings(dst, src);
        int made = k.Frames.Owned(FrameOwner.Process).Count - processFrames;
        Require(made == 0, $"copy_mappings allocated {made} new page(s): it must map the same frames, not copy them");
        const ulong Bits = PTE_P | PTE_W | PTE_U | PTE_NX;
        var s = src.Iter();
        var d = dst.Iter();
        for (ulong va = 0; va < MemSizeVirtual; va += PageSize)
        {
            s.Find(va);
            d.Find(va);
            if (s.Present == d.Present && (!s.Present || (s.Pa == d.Pa && (s.Perm & Bits) == (d.Perm & Bits)))) continue;
            string Say(VmIter i) => i.Present ? $"0x{i.Pa:x} {FormatConstants(i.Perm & Bits)}" : "nothing";
            throw new GradeFailure($"va 0x{va:x}: src maps {Say(s)} but dst maps {Say(d)}");
        }
        Require(src.Dump().SequenceEqual(srcDump), "copy_mappings changed src: only dst may change");
        RequireUnwritten(k, data, "copy_mappings");
    }

    // A table like a process's: kernel half, then pages under two different page-table pages.
    private static PageTable Filled(Kernel k, int pid, params ulong[] vas)
    {
        var pt = k.NewPageTable(pid)!;
        foreach (ulong va in vas) Require(k.MapFresh(pt, va, PTE_P | PTE_W | PTE_U | PTE_NX, [1, 2, 3]), "out of memory building the test table");
        return pt;
    }

    private static void FreeAll(TestContext t)
    {
        var k = t.Boot();
        ulong free = k.Frames.FreeFrames;
        var pt = Filled(k, 7, 0x100000, 0x101000, 0x1ff000, 0x200000, StackPage);
        t.Seams.FreeEverything.FreeEverything(k, pt);
        var tables = k.Frames.Owned(FrameOwner.PageTable, 7);
        var pages = k.Frames.Owned(FrameOwner.Process, 7);
        Require(pages.Count == 0, $"{pages.Count} user page(s) still allocated after free_everything, e.g. 0x{pages.FirstOrDefault():x}");
        Require(tables is not [var only] || only != pt.Root, $"the root table page 0x{pt.Root:x} is still allocated after free_everything: free the root table page (pt.Root) too, after the others");
        Require(tables.Count == 0, $"{tables.Count} page-table page(s) still allocated after free_everything, e.g. 0x{tables.FirstOrDefault():x}" +
            (tables.Contains(pt.Root) ? " (the root table page among them)" : "") + ": free every page-table page, root last");
        Require(k.Frames.Info(ConsoleAddr).Owner == FrameOwner.Console, "free_everything freed the console page: it belongs to the kernel");
        Require(k.Frames.FreeFrames == free, $"free frames {k.Frames.FreeFrames} after free_everything, {free} before building the table");
        RequireClean(k, "free_everything");
    }

    private static void FreeShared(TestContext t)
    {
        var k = t.Boot();
        ulong free = k.Frames.FreeFrames;
        var a = Filled(k, 7, 0x100000, 0x101000);
        var b = Filled(k, 8, 0x100000);
        ulong shared = a.Iter(0x101000).Pa;
        b.Iter(0x105000).Map(shared, PTE_P | PTE_U);
        k.Frames.AddReference(shared);
        t.Seams.FreeEverything.FreeEverything(k, a);
        var info = k.Frames.Info(shared);
        Require(info.Owner == FrameOwner.Process && info.RefCount == 1,
            $"after the first table's free_everything the shared frame 0x{shared:x} is {info.Owner.ToString().ToLowerInvariant()} with {info.RefCount} reference(s); the other table still maps it (want 1)");
        t.Seams.FreeEverything.FreeEverything(k, b);
        Require(k.Frames.FreeFrames == free, $"free frames {k.Frames.FreeFrames} after freeing both tables, {free} before");
    }
}

using VmLab.Labs.Grading;
using VmLab.Linux.Seams;
using VmLab.Sim.Kernel;

namespace VmLab.Labs;

/// <summary>Every exercise and graded test the tool knows, in handout order.</summary>
public static class Catalog
{
    public static IReadOnlyList<Exercise> Exercises { get; } =
    [
        new("bigdata", "003", "C1", "C#", "one mapping change makes bigdata print \"CS 61 Is Amazing\"", typeof(IRemap), "Remap.cs"),
        new("copy_mappings", "003", "E1", "C#", "copy every mapping of one page table into an empty one", typeof(ICopyMappings), "CopyMappings.cs"),
        new("free_everything", "003", "E3", "C#", "free a page table's user pages and every page-table page", typeof(IFreeEverything), "FreeEverything.cs"),
        new("fork", "003", "E2", "C#", "fork's memory: copy writable pages, share read-only ones", typeof(IFork), "Fork.cs"),
        new("exit", "003", "E4", "C#", "exit's memory: give back every frame, page-table pages included", typeof(IExit), "Exit.cs"),
        new("spawn", "003", "F1", "C#", "spawn(name) that checks its pointer before trusting it", typeof(ISpawn), "Spawn.cs"),
        new("page_alloc", "003", "G1", "C#", "page_alloc(va) that refuses to be a confused deputy", typeof(IPageAlloc), "PageAlloc.cs"),
        new("pipe", "003", "H2", "C#", "a pipe kernel with the fewest syscalls per message", typeof(IPipeKernel), "Pipe.cs"),
        new("friendly", "001", "A", "C", "libetsbefriends: encouraging messages instead of \"Segmentation fault\"", null, "libetsbefriends.c")
            { ExtraFiles = ["Makefile", "crash.c"] },
        new("lazy_copy", "001", "B", "C#", "copy 64 KiB chunks lazily: share the memory read-only, split it on the first write", typeof(ILazyCopy), "LazyCopy.cs"),
    ];

    public static IReadOnlyList<GradedTest> Tests { get; } =
        [.. MemoryTests.All, .. ProcessTests.All, .. SyscallTests.All, .. PipeTests.All, .. FriendlyTests.All, .. LazyCopyTests.All];

    public static Exercise? Find(string name) => Exercises.FirstOrDefault(e => e.Name == name);

    /// <summary>Tests whose name or exercise contains filter (all when null), xv6 make grade style.</summary>
    public static IReadOnlyList<GradedTest> Select(string? filter) =>
        [.. Tests.Where(t => filter is null || t.Name.Contains(filter, StringComparison.Ordinal) || t.Exercise == filter)];
}

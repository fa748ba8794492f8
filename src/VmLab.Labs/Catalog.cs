using VmLab.Labs.Grading;
using VmLab.Linux.Seams;
using VmLab.Sim.Kernel;

namespace VmLab.Labs;

/// <summary>Every exercise and graded test the tool knows, in handout order. Each seam is registered here once:
/// its interface, stub file, how it plugs into the kernel and how its calls are guarded.</summary>
public static class Catalog
{
    public static IReadOnlyList<Exercise> Exercises { get; } =
    [
        Kernel<IRemap>("bigdata", "C1", "one mapping change makes bigdata print \"CS 61 Is Amazing\"", "Remap.cs",
            (s, x) => s with { Remap = x }, (x, g) => new GuardedRemap(x, g)),
        Kernel<ICopyMappings>("copy_mappings", "E1", "copy every mapping of one page table into an empty one", "CopyMappings.cs",
            (s, x) => s with { CopyMappings = x }, (x, g) => new GuardedCopyMappings(x, g)),
        Kernel<IFreeEverything>("free_everything", "E3", "free a page table's user pages and every page-table page", "FreeEverything.cs",
            (s, x) => s with { FreeEverything = x }, (x, g) => new GuardedFreeEverything(x, g)),
        Kernel<IFork>("fork", "E2", "fork's memory: copy writable pages, share read-only ones", "Fork.cs",
            (s, x) => s with { Fork = x }, (x, g) => new GuardedFork(x, g)),
        Kernel<IExit>("exit", "E4", "exit's memory: give back every frame, page-table pages included", "Exit.cs",
            (s, x) => s with { Exit = x }, (x, g) => new GuardedExit(x, g)) with
        {
            Fence = s => s.FreeEverything is ReferenceMemory ? s with { FreeEverything = new FencedFreeEverything(s.FreeEverything) } : s,
        },
        Kernel<ISpawn>("spawn", "F1", "spawn(name) that checks its pointer before trusting it", "Spawn.cs",
            (s, x) => s with { Spawn = x }, (x, g) => new GuardedSpawn(x, g)),
        Kernel<IPageAlloc>("page_alloc", "G1", "page_alloc(va) that refuses to be a confused deputy", "PageAlloc.cs",
            (s, x) => s with { PageAlloc = x }, (x, g) => new GuardedPageAlloc(x, g)),
        Kernel<IPipeKernel>("pipe", "H2", "a pipe kernel with the fewest syscalls per message", "Pipe.cs",
            (s, x) => s with { PipeKernel = x }, (x, g) => new GuardedPipe(x, g)),
        new("friendly", "001", "A", "C", "libetsbefriends: encouraging messages instead of \"Segmentation fault\"", null, "libetsbefriends.c")
            { ExtraFiles = ["Makefile", "crash.c"] },
        new("lazy_copy", "001", "B", "C#", "copy 64 KiB chunks lazily: share the memory read-only, split it on the first write", typeof(ILazyCopy), "LazyCopy.cs")
            { Guard = (x, g) => new GuardedLazyCopy((ILazyCopy)x, g) },
    ];

    public static IReadOnlyList<GradedTest> Tests { get; } =
        [.. MemoryTests.All, .. ProcessTests.All, .. SyscallTests.All, .. PipeTests.All, .. FriendlyTests.All, .. LazyCopyTests.All];

    public static Exercise? Find(string name) => Exercises.FirstOrDefault(e => e.Name == name);

    /// <summary>
    /// The tests a filter names: a test by its exact name, or every test of an exercise by the exercise's name;
    /// all when null. Anything else matches nothing (a prefix of a name is not that test).
    /// </summary>
    public static IReadOnlyList<GradedTest> Select(string? filter) =>
        [.. Tests.Where(t => filter is null || t.Name == filter || t.Exercise == filter)];

    private static Exercise Kernel<T>(string name, string part, string summary, string stub, Func<KernelSeams, T, KernelSeams> plug,
        Func<T, SeamGuard, T> guard) where T : class =>
        new(name, "003", part, "C#", summary, typeof(T), stub)
        {
            Plug = (s, x) => plug(s, (T)x),
            Guard = (x, g) => guard((T)x, g),
        };
}

using VmLab.Sim.Exercises;
using VmLab.Sim.Maze;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Quiz;

/// <summary>One generated problem; the answer is what the simulator computed, worked out. Key is the short form
/// an answer is marked against (see <see cref="QuizCheck"/>): "yes", "3 3 4", "pa 0x1a2b", "fault 0x6",
/// "none", "room 8", "rooms 2 5 pit".</summary>
public sealed record QuizProblem(string Question, string Answer)
{
    public string Key { get; init; } = "";
}

/// <summary>A quiz: its kind, the seed that made it, the problems.</summary>
public sealed record QuizSheet(string Kind, int Seed, IReadOnlyList<QuizProblem> Problems);

/// <summary>
/// OSTEP-style problem generators for seed 003 parts A, B and D: the same kind and seed give the same
/// problems on every machine (System.Random with a seed is a fixed algorithm), and every answer is computed
/// by the simulator (MappingCheck, PageCount, the MMU's walk, the maze), never written by hand.
/// </summary>
public static class Quizzes
{
    public static IReadOnlyList<(string Kind, string Summary)> Kinds { get; } =
    [
        ("paging", "A1/A2/A4: can these (va -> pa) pairs come from one valid x86-64 mapping?"),
        ("alignment", "A5-A7: how many virtual and physical pages does an object overlap?"),
        ("walk", "B: a four-level page table; translate an address for an access, or say where the walk stops"),
        ("errorcode", "B: an access meets a page table entry: does it fault, and with which error code?"),
        ("maze", "D: walk VmLab's drawing of the seed's maze by bitstring; which rooms can two steps reach?"),
    ];

    public const int Count = 4;

    public static QuizSheet Make(string kind, int seed)
    {
        var rng = new Random(seed);
        Func<Random, QuizProblem> one = kind switch
        {
            "paging" => Paging,
            "alignment" => Alignment,
            "walk" => Walk,
            "errorcode" => ErrorCode,
            "maze" => MazeProblem,
            _ => throw new ArgumentException($"unknown quiz kind '{kind}' (try: {string.Join(", ", Kinds.Select(k => k.Kind))})"),
        };
        return new QuizSheet(kind, seed, [.. Enumerable.Range(0, Count).Select(_ => one(rng))]);
    }

    private static ulong Page(Random r, int lo, int hi) => (ulong)r.Next(lo, hi) << 12;

    private static QuizProblem Paging(Random r)
    {
        var pairs = new List<MappingPair>();
        int n = r.Next(2, 4);
        for (int i = 0; i < n; i++)
        {
            ulong vpage = Page(r, 0, 0x200), frame = Page(r, 0, 0x40), offset = (ulong)r.Next(0, 4096);
            pairs.Add(new MappingPair(vpage | offset, frame | offset));
        }
        switch (r.Next(6))      // a third stay valid (one of them many-to-one); the rest break one rule
        {
            case 0: break;
            case 1 or 3: pairs[^1] = pairs[^1] with { Pa = pairs[^1].Pa ^ (ulong)r.Next(1, 4096) }; break;
            case 2 or 4:     // the same virtual page again, on another frame
                ulong off = (ulong)r.Next(0, 4096);
                pairs.Add(new MappingPair((pairs[0].Va & ~0xfffUL) | off, Page(r, 0x40, 0x80) | off));
                break;
            default:    // another page onto the first pair's frame: many-to-one is valid (A4)
                pairs.Add(new MappingPair(Page(r, 0x200, 0x400) | 0x10, (pairs[0].Pa & ~0xfffUL) | 0x10));
                break;
        }
        var verdict = MappingCheck.Check(pairs);
        string list = string.Join(", ", pairs.Select(p => $"P(0x{p.Va:x}) = 0x{p.Pa:x}"));
        return new QuizProblem($"Can a mapping function with {list} be a valid x86-64 virtual memory mapping function?",
            (verdict.Valid ? "Yes. " : "No. ") + verdict.Reason) { Key = verdict.Valid ? "yes" : "no" };
    }

    private static QuizProblem Alignment(Random r)
    {
        bool aligned = r.Next(2) == 0;
        ulong va = Page(r, 0x100, 0x400) + (aligned ? 0 : (ulong)r.Next(1, 4096));
        ulong size = (ulong)r.Next(1, 5 * 4096);
        var c = PageCount.Compute(va, size, aligned);
        string what = aligned ? $"a page-aligned object at 0x{va:x}" : $"an object at va 0x{va:x} (not page-aligned)";
        return new QuizProblem($"{what} has size {size} (0x{size:x}) bytes. How many virtual pages does it overlap, and how many physical pages can it overlap?",
            $"{c.VirtualPages} virtual page(s): {c.VirtualFormula}. Physical: between {c.MinPhysicalPages} and {c.MaxPhysicalPages} ({c.PhysicalFormula}); {c.Explanation}.")
            { Key = $"{c.VirtualPages} {c.MinPhysicalPages} {c.MaxPhysicalPages}" };
    }

    // A fresh machine with a few user and kernel mappings, and its MMU.
    private static (PageTable Table, Mmu Mmu, List<(ulong Va, ulong Perm)> Mapped) Machine(Random r)
    {
        var memory = new PhysicalMemory(0x200000);
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        var table = PageTable.Create(frames);
        var mapped = new List<(ulong, ulong)>();
        ulong[] perms = [PTE_P, PTE_P | PTE_W, PTE_P | PTE_U, PTE_P | PTE_W | PTE_U, PTE_P | PTE_U | PTE_NX, PTE_P | PTE_W | PTE_U | PTE_NX];
        for (int i = 0; i < 4; i++)
        {
            ulong va = ((ulong)r.Next(0, 4) << 30) | ((ulong)r.Next(0, 4) << 21) | Page(r, 0, 512);
            if (table.Iter(va).Present) continue;
            ulong perm = perms[r.Next(perms.Length)];
            table.Iter(va).Map(frames.Allocate(FrameOwner.Process, 1), perm);
            mapped.Add((va, perm));
        }
        return (table, new Mmu(memory) { NoExecuteEnable = true }, mapped);
    }

    private static (Access Access, Privilege Privilege) AccessOf(Random r) =>
        ((Access)new[] { Access.Read, Access.Write, Access.Fetch }[r.Next(3)], r.Next(3) == 0 ? Privilege.Supervisor : Privilege.User);

    private static string Say(Access a, Privilege p) =>
        $"a {(p == Privilege.User ? "user-mode" : "kernel-mode")} {(a == Access.Write ? "write" : a == Access.Fetch ? "instruction fetch" : "read")}";

    // What a kernel-mode access may do depends on control bits; the machine's are stated, not assumed.
    private static string Machine(Privilege p) => p == Privilege.User ? "" :
        " (The CPU runs with CR0.WP=1, so a kernel write to a read-only page faults, and without SMEP or SMAP, so the kernel may read, write and execute user pages; EFER.NXE=1.)";

    private static string Layout(PageTable t, IEnumerable<(ulong Va, ulong Perm)> mapped) =>
        string.Join("; ", mapped.Select(m => $"va 0x{m.Va:x} -> pa 0x{t.Iter(m.Va).Pa:x} ({FormatConstants(m.Perm)})"));

    private static QuizProblem Walk(Random r)
    {
        var (table, mmu, mapped) = Machine(r);
        var (access, privilege) = AccessOf(r);
        ulong va = r.Next(3) == 0 ? mapped[0].Va ^ ((ulong)r.Next(1, 8) << 21) : mapped[r.Next(mapped.Count)].Va + (ulong)r.Next(0, 4096);
        var trace = mmu.Trace(table.Root, va, access, privilege);
        string steps = string.Join(", ", trace.Steps.Select(s => $"{s.Table}[{s.Index}]"));
        string answer = trace.Pa is { } pa
            ? $"pa 0x{pa:x}: the walk reads {steps}; the leaf allows it ({FormatConstants(trace.Rights)})."
            : $"{trace.Fault}: the walk reads {steps} and stops there ({PageFaultErrorText(trace.Fault)}).";
        return new QuizProblem($"A page table maps {Layout(table, mapped)}. What happens on {Say(access, privilege)} of 0x{va:x}? Name the table entries the walk reads.{Machine(privilege)}", answer)
            { Key = trace.Pa is { } p ? $"pa 0x{p:x}" : $"fault 0x{(uint)trace.Fault.ErrorCode:x}" };
    }

    private static string PageFaultErrorText(MemoryFault f) =>
        f.Kind == FaultKind.PageFault ? $"error code 0x{(uint)f.ErrorCode:x}: {MemoryFault.Describe(f.ErrorCode)}" : f.ToString();

    private static QuizProblem ErrorCode(Random r)
    {
        var (table, mmu, mapped) = Machine(r);
        var (va, perm) = mapped[r.Next(mapped.Count)];
        var (access, privilege) = AccessOf(r);
        bool present = r.Next(4) != 0;
        if (!present) table.Iter(va).Map(0, 0);
        ulong target = va + (ulong)r.Next(0, 4096);
        bool ok = mmu.TryTranslate(table.Root, target, access, privilege, out ulong pa, out var fault);
        string entry = present ? $"is mapped {FormatConstants(perm)}" : "is not mapped";
        return new QuizProblem($"The page of 0x{target:x} {entry}. Does {Say(access, privilege)} of 0x{target:x} fault, and with which page-fault error code?{Machine(privilege)}",
            ok ? $"No fault: it reaches pa 0x{pa:x}." : $"Yes: {fault}; {PageFaultErrorText(fault)}.") { Key = ok ? "none" : $"0x{(uint)fault.ErrorCode:x}" };
    }

    private static QuizProblem MazeProblem(Random r)
    {
        var maze = SeedMaze.Load();
        int start = r.Next(maze.Count);
        if (r.Next(2) == 0)
        {
            string bits = string.Concat(Enumerable.Range(0, r.Next(2, 5)).Select(_ => r.Next(2) == 0 ? '0' : '1'));
            var walk = maze.Walk(start, bits);
            string path = string.Join(" -> ", walk.Visited.Select(maze.TargetName));
            return new QuizProblem($"In VmLab's drawing of the seed's maze (vmlab maze show), start in room {maze.Name(start)} and follow the bits {bits}. Where do you end up?",
                walk.FellIntoPit ? $"In a death pit after {walk.PitStep} step(s): {path}." : $"Room {maze.TargetName(walk.End)}: {path}.")
                { Key = walk.FellIntoPit ? "pit" : $"room {maze.TargetName(walk.End)}" };
        }
        var reach = maze.Reach(start, SeedMaze.K);
        return new QuizProblem($"In VmLab's drawing of the seed's maze (vmlab maze show), which rooms can you reach from room {maze.Name(start)} in exactly two steps?",
            $"{(reach.Rooms.Count == 0 ? "none" : string.Join(", ", reach.Rooms.Select(maze.Name)))}{(reach.Pit ? ", and a death pit" : "")} (all four bitstrings 00, 01, 10, 11 walked).")
            { Key = "rooms " + string.Join(" ", reach.Rooms.Select(maze.Name).Order(StringComparer.Ordinal).Concat(reach.Pit ? ["pit"] : [])) };
    }
}

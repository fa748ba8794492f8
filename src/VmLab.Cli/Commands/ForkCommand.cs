using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab fork</c>: the seed's fork_memory program.</summary>
internal static class ForkCommand
{
    public static Verb Create()
    {
        var childValue = Opt.Int("--child-value", "what the child writes (must differ from --initial)", 200, 0, long.MaxValue);
        var initialOption = Opt.Int("--initial", "the parent's value", 100, 0, long.MaxValue);
        return new Verb("fork", "fork: a variable changed in the child keeps its value in the parent",
            """
            Puts a 64-bit variable in a private page, forks, and lets the child overwrite it. The parent still
            reads its own value at the same virtual address. With root, pagemap shows the child's copy on a
            different physical frame; without root, the page's exclusive bit shows it stopped being shared.
            """,
            "parent_value, child_value, same_virtual_address, parent_pfn, child_pfn, ...",
            "vmlab fork", "vmlab fork --initial 7 --child-value 8 --json")
        {
            Linux = true,
            Tour = new("A forked child gets a copy of the parent's memory at the very same virtual addresses. Change a " +
                       "variable in the child and the parent does not notice: the addresses are equal, the frames are not."),
        }.Takes(
            initialOption,
            childValue)
        .Reports(ctx => ctx.Get(initialOption) is var initial && initial == ctx.Get(childValue)
            ? throw new UsageException("--child-value must differ from --initial")
            : ForkExperiment.Run((ulong)initial, (ulong)ctx.Get(childValue)), r => r.Holds, (rep, r) =>
        {
            rep.Intro("fork: the child's change stays in the child",
                "fork gives the child the parent's address space, copy-on-write. Both read the variable at " +
                        "the same address; when the child writes it, it gets its own frame and the parent's stays.");
            rep.Fact("variable at", $"{FrameText.Hex(r.Address)} (parent pid {r.ParentPid}, child pid {r.ChildPid})");
            rep.Fact("value before fork", r.InitialValue);
            rep.Fact("child read at that address", r.SameVirtualAddress ? $"{r.InitialValue} (the parent's value: same virtual address)" : "something else");
            rep.Fact("child wrote, then read", r.ChildValue);
            rep.Fact("parent reads afterwards", r.ParentValue);
            rep.Fact("parent frame", FrameText.Pfn(r.ParentPfn, r.PfnHidden));
            rep.Fact("child frame before its write", FrameText.Pfn(r.ChildPfnBeforeWrite, r.PfnHidden));
            rep.Fact("child frame after its write", FrameText.Pfn(r.ChildPfn, r.PfnHidden));
            rep.Fact("child page exclusive", $"{FrameText.YesNo(r.ChildExclusiveBeforeWrite)} before write, {FrameText.YesNo(r.ChildExclusiveAfterWrite)} after");
            rep.RootNote(r.PfnHidden, "the child on the parent's frame before its write and on a different frame after it");
            rep.Verdict(r.Holds, $"same address, different memory: the parent still reads {r.ParentValue}, the child {r.ChildValue}",
                "the child's write was not isolated from the parent as expected (see the facts above)");
        });
    }
}

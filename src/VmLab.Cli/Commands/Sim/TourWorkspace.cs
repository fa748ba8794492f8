using VmLab.Labs;

namespace VmLab.Cli.Commands.Sim;

/// <summary>The tour's step for --workspace: a fresh `lab init` workspace in a temporary directory with a fork written the
/// way the stub's contract asks, then <c>sim run fork --workspace DIR</c> runs it (built, then hosted in a child).</summary>
internal static class TourWorkspace
{
    public static TourStep Step { get; } = new(
        "Your own kernel: 'vmlab lab init DIR' writes stubs; here a temporary workspace gets a fork written the way " +
        "Fork.cs's contract asks. --workspace builds it as 'lab grade' does and runs the scenario with it in a child " +
        "process (your seams: fork); a wrong fork would show its checker error at the fork's step.")
    {
        Prepare = Prepare,
    };

    private static (string[] Args, Action Cleanup) Prepare()
    {
        string root = Directory.CreateTempSubdirectory("vmlab-tour-").FullName;
        string dir = Path.Combine(root, "lab");
        Workspace.Init(dir, [Catalog.Find("fork")!]);
        File.WriteAllText(Path.Combine(dir, "Fork.cs"), Fork);
        return (["--workspace", dir], () => Directory.Delete(root, recursive: true));
    }

    // E2 as its stub asks: writable pages copied into fresh frames, read-only ones shared with one more reference.
    private const string Fork = """
        using VmLab.Sim.Kernel;
        using VmLab.Sim.Paging;
        using static VmLab.Sim.Kernel.KernelLayout;

        namespace Lab;

        public sealed class MyFork : IFork
        {
            public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
            {
                var child = k.NewPageTable(childPid);
                if (child is null) return null;
                for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va >= ProcStartAddr && it.Va < MemSizeVirtual; it.Next())
                {
                    if (!it.User) continue;
                    ulong perm = it.Entry & Kernel.MappingPerm;
                    bool ok;
                    if (it.Writable) ok = k.MapFresh(child, it.Va, perm, k.Memory.FrameSpan(it.Pa));
                    else if (ok = child.Iter(it.Va).TryMap(it.Pa, perm)) k.Frames.AddReference(it.Pa);
                    if (!ok) return k.Abandon(child);
                }
                return child;
            }
        }
        """;
}

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="ForkExperiment"/> observed.</summary>
public sealed record ForkResult(
    ulong Address,
    ulong InitialValue,
    ulong ParentValue,
    ulong ChildValue,
    bool SameVirtualAddress,
    ulong? ParentPfn,
    ulong? ChildPfnBeforeWrite,
    ulong? ChildPfn,
    bool PfnHidden,
    bool ChildExclusiveBeforeWrite,
    bool ChildExclusiveAfterWrite,
    int ParentPid,
    int ChildPid)
{
    /// <summary>The child changed only its own copy: the parent keeps its value and its frame.</summary>
    public bool Holds => SameVirtualAddress && ParentValue == InitialValue && ChildValue != InitialValue
        && (PfnHidden ? ChildExclusiveAfterWrite && !ChildExclusiveBeforeWrite : ChildPfn != ParentPfn && ChildPfnBeforeWrite == ParentPfn);
}

/// <summary>
/// fork_memory.c: a variable changed in the child keeps its old value in the parent. Same virtual address in
/// both; after the child's write, different physical frames.
/// </summary>
public static class ForkExperiment
{
    /// <summary>
    /// Sets a variable to <paramref name="initial"/>, forks, and lets the child write <paramref name="childValue"/>;
    /// compares the two processes' values and frames. Throws <see cref="ArgumentException"/> when the two values are
    /// equal (the write would show nothing), <see cref="PlatformNotSupportedException"/> off Linux.
    /// </summary>
    public static unsafe ForkResult Run(ulong initial = 100, ulong childValue = 200)
    {
        Platform.RequireLinux("fork");
        if (initial == childValue)
            throw new ArgumentException("the child must write a different value");
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous((ulong)PageSize.Value);
        var variable = (ulong*)m.Pointer;
        *variable = initial;
        var child = Fork.Touch(new ForkTouchPlan(m.Address, 1, 1, childValue));
        ulong parentValue = *variable;
        var parent = map.Read(m.Address);
        bool mapped = child.EntriesAfter.Count == 1;
        return new ForkResult(
            (ulong)m.Address, initial, parentValue, child.ValueAfter,
            // The child read the parent's value at the parent's address: the same VA names the same data there.
            child.ValueBefore == initial,
            parent.Pfn,
            mapped ? child.EntriesBefore[0].Pfn : null,
            mapped ? child.EntriesAfter[0].Pfn : null,
            parent.IsPfnHidden,
            mapped && child.EntriesBefore[0].IsExclusive,
            mapped && child.EntriesAfter[0].IsExclusive,
            Environment.ProcessId,
            child.Exit.Pid);
    }
}

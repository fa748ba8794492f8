using VmLab.Sim.Paging;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>One seam call the checker saw through: which seam ran for whom, its first argument and its result
/// (the target va for remap).</summary>
internal readonly record struct SeamCall(string Seam, Process Caller, ulong Arg, ulong Result, ulong Target = 0);

/// <summary>
/// The permission lines of the seams' contracts (Kernel/Seams/*.cs), checked on the walks the memory checker made
/// just before and just after one seam call. A seam may give a page no more than its contract says; every error
/// starts "permission beyond the contract: " and names the seam, the pid, the va and both permissions:
/// - any seam: a page the process already had became writable (it was neither PTE_W nor PTE_COW) or lost PTE_NX;
/// - page_alloc(va) returning 0: the page at va is executable (the contract maps PTE_P | PTE_W | PTE_U | PTE_NX),
///   or a page other than va appeared;
/// - fork: a child page the parent did not map, writable where the parent's was read-only, or executable where the
///   parent's was PTE_NX (the parent as it was before the call);
/// - remap (C1): va's page writable (the contract says read-only, PTE_P | PTE_U).
/// </summary>
internal static class SeamContracts
{
    private const string Beyond = "permission beyond the contract: ";
    private const ulong PageAllocPerm = PTE_P | PTE_W | PTE_U | PTE_NX;

    /// <summary>What <paramref name="call"/> gave beyond its contract; null when nothing.</summary>
    public static List<string>? Check(SeamCall call, MemoryWatch watch, Kernel k)
    {
        if (watch.Rewalked.Count == 0 && call.Seam != "remap") return null;     // no table changed: nothing grew
        var errors = new List<string>();
        foreach (var (before, after) in watch.Rewalked)
            if (before is not null) Grown(call.Seam, before, after, errors);
        switch (call.Seam)
        {
            case "page_alloc": PageAlloc(call, watch, errors); break;
            case "fork": Fork(call, watch, k, errors); break;
            case "remap": Remap(call, watch, errors); break;
        }
        return errors.Count == 0 ? null : errors;
    }

    // No seam makes an existing page writable (the copy-on-write fault takes PTE_COW pages back, which is allowed)
    // or executable. Remap's contract line says P|U without NX, so it alone may drop NX.
    private static void Grown(string seam, TableWalk before, TableWalk after, List<string> errors)
    {
        int pid = after.Process!.Pid;
        foreach (var (now, old) in Pairs(before, after))
        {
            if (old is not { } was) continue;
            if (now.Writable && !was.Writable && !was.CopyOnWrite)
                errors.Add($"{Beyond}{seam} made va 0x{now.Va:x} of pid {pid} writable ({Say(now)}); it was read-only ({Say(was)})");
            else if (now.Executable && !was.Executable && seam != "remap")
                errors.Add($"{Beyond}{seam} made va 0x{now.Va:x} of pid {pid} executable ({Say(now)}); it was PTE_NX ({Say(was)})");
        }
    }

    private static void PageAlloc(SeamCall call, MemoryWatch watch, List<string> errors)
    {
        ulong va = call.Arg;
        if (call.Result != 0 || !IsUserPage(va) || watch.WalkOf(call.Caller) is not { } after) return;
        int pid = call.Caller.Pid;
        if (after.At(va) is { Executable: true } page)
            errors.Add($"{Beyond}page_alloc(0x{va:x}) mapped the page executable in pid {pid} ({Say(page)}); its contract says {Say(PageAllocPerm)}");
        var before = watch.Rewalked.FirstOrDefault(r => r.After == after).Before;
        if (before is null) return;
        foreach (var (p, was) in Pairs(before, after))
            if (p.Va != va && was is null)
                errors.Add($"{Beyond}page_alloc(0x{va:x}) also mapped va 0x{p.Va:x} in pid {pid} ({Say(p)}); its contract maps only the page asked for");
    }

    private static void Fork(SeamCall call, MemoryWatch watch, Kernel k, List<string> errors)
    {
        if (call.Result is 0 or >= NProc || k.InSlot((int)call.Result) is not { } child || child.Parent != call.Caller.Pid
            || watch.WalkOf(child) is not { } kid) return;
        var parent = watch.Rewalked.FirstOrDefault(r => r.After.Process == call.Caller).Before ?? watch.WalkOf(call.Caller);
        if (parent is null) return;
        foreach (var c in kid.Pages)
        {
            if (c.Va < ProcStartAddr) continue;     // the kernel half is check_page_table_mappings' business
            if (parent.At(c.Va) is not { } p)
                errors.Add($"{Beyond}fork mapped va 0x{c.Va:x} in the child (pid {child.Pid}: {Say(c)}), which the parent does not map");
            else if (c.Writable && !p.Writable && !p.CopyOnWrite)
                errors.Add($"{Beyond}fork mapped va 0x{c.Va:x} writable in the child (pid {child.Pid}: {Say(c)}), but the parent's page is read-only ({Say(p)}); fork copies permissions");
            else if (c.Executable && !p.Executable)
                errors.Add($"{Beyond}fork mapped va 0x{c.Va:x} executable in the child (pid {child.Pid}: {Say(c)}), but the parent's page is PTE_NX ({Say(p)}); fork copies permissions");
        }
    }

    private static void Remap(SeamCall call, MemoryWatch watch, List<string> errors)
    {
        ulong va = call.Arg & ~(PageSize - 1);
        if (watch.WalkOf(call.Caller)?.At(va) is { Writable: true } page)
            errors.Add($"{Beyond}remap left va 0x{va:x} writable in pid {call.Caller.Pid} ({Say(page)}); its contract says read-only, PTE_P | PTE_U");
    }

    // Each page of after with before's page at the same va (null when before has none): both lists are in va order.
    private static IEnumerable<(UserPage Now, UserPage? Was)> Pairs(TableWalk before, TableWalk after)
    {
        var was = before.Pages;
        int i = 0;
        foreach (var now in after.Pages)
        {
            while (i < was.Length && was[i].Va < now.Va) i++;
            yield return (now, i < was.Length && was[i].Va == now.Va ? was[i] : null);
        }
    }

    private static string Say(UserPage p) => Say(p.Perm);

    private static string Say(ulong perm) => FormatConstants(perm & (PTE_P | PTE_W | PTE_U | PTE_NX)).Replace("|", " | ");
}

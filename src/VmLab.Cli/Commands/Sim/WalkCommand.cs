using Spectre.Console;
using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;
using static VmLab.Cli.Commands.Sim.SimArgs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim walk</c>: the MMU's 4-level walk of one address on a demo table, drawn as a tree.</summary>
internal static class WalkCommand
{
    public static Verb Create()
    {
        var accessOption = Opt.Choice("--access", "read, write or fetch (instruction fetch)", "read", "read", "write", "fetch");
        var modeOption = Opt.Choice("--mode", "user (CPL 3) or supervisor (CPL 0)", "user", "user", "supervisor", "kernel");
        var noNxOption = Opt.Flag("--no-nx", "clear EFER.NXE: NX is not honoured (bit 63 becomes reserved)");
        var noWpOption = Opt.Flag("--no-wp", "clear CR0.WP: supervisor writes ignore read-only pages");
        var vaOption = Opt.Address("--va", "the virtual address (hex or decimal)");
        return new Verb("walk", "draw the MMU's 4-level page walk of one virtual address on a demo page table",
            """
            Splits the address into its four 9-bit table indices and 12-bit offset, then walks the demo machine's page
            table as the MMU does: PML4 -> PDPT -> PD -> PT, showing each entry read, its flags, and where it leads,
            ending in the physical address or the fault the CPU would raise (#PF with its error code and CR2, or #GP
            for a non-canonical address). Accessed (and, for writes, dirty) bits set by the walk are shown.

            The demo table (WeensyOS-like, 2 MiB of memory):
              0x0                   unmapped null page
              0x1000-0xfffff        kernel identity map, supervisor-only (P W)
              0xb8000               console, user-writable (P W U)
              0x100000              user code, read-only (P U)
              0x101000              user data, no-execute (P W U NX)
              0x300000              user page, its PTE has reserved bit 50 set (RSVD)
              0x80000000            2 MiB page (PS in the PDE) onto 0, supervisor-only
              0xffffffffc0000000    1 GiB global page (PS in the PDPTE) onto 0
            """,
            """{"va", "indices", "steps":[{"level","table","index","entry","flags",…}], "pa", "fault", …}""",
            "vmlab sim walk --va 0x100123                   (user reads its code)",
            "vmlab sim walk --va 0x100123 --access write    (a write to read-only code: #PF error 0x7)",
            "vmlab sim walk --va 0x40000                    (user touches kernel memory: #PF error 0x5)")
        {
            Tour = new("The page walk itself: a user write to read-only code goes PML4 -> PDPT -> PD -> PT, finds P and U but not W, "
                       + "and the CPU raises a page fault with error code 0x7 (present, write, user).",
                       "--va", "0x100123", "--access", "write"),
        }.Takes(
            vaOption,
            accessOption,
            modeOption,
            noWpOption,
            noNxOption)
        .Does(ctx =>
        {
            ulong va = ctx.Get(vaOption) ?? throw new UsageException("--va is required (the virtual address to translate)");
            var access = ctx.Get(accessOption) switch { "write" => Access.Write, "fetch" => Access.Fetch, _ => Access.Read };
            var mode = ctx.Get(modeOption) == "user" ? Privilege.User : Privilege.Supervisor;
            bool noWp = ctx.Get(noWpOption), noNx = ctx.Get(noNxOption);
            var machine = DemoMachine.Create();
            machine.Mmu.WriteProtect = !noWp;
            machine.Mmu.NoExecuteEnable = !noNx;
            // VmIter's view first (it does not touch A/D), then the MMU's walk, which may set them.
            var it = machine.Table.Iter(VirtualAddress.IsCanonical(va) ? va : 0);
            ulong viewPa = VirtualAddress.IsCanonical(va) ? it.Pa : ulong.MaxValue, viewPerm = VirtualAddress.IsCanonical(va) ? it.Perm : 0;
            var trace = machine.Mmu.Trace(machine.Table.Root, va, access, mode);
            bool agrees = trace.Fault.Kind == FaultKind.GeneralProtection
                ? viewPa == ulong.MaxValue
                : trace.Pa is { } p ? p == viewPa : viewPa == ulong.MaxValue || !machine.Mmu.Allowed(viewPerm & (Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX), access, mode)
                    || (trace.Fault.ErrorCode & PageFaultError.ReservedBit) != 0;

            var steps = trace.Steps.Select(s => new StepJson(s.Level, s.Table, Hex(s.TablePa), s.Index, Hex(s.EntryAddress), Hex16(s.EntryBefore),
                Hex16(s.EntryAfter), Pte.FormatFlags(s.EntryBefore), Meaning(s))).ToList();
            var indices = new Dictionary<string, int> { ["pml4"] = VirtualAddress.Index(va, 3), ["pdpt"] = VirtualAddress.Index(va, 2), ["pd"] = VirtualAddress.Index(va, 1), ["pt"] = VirtualAddress.Index(va, 0) };
            FaultJson? fault = trace.Fault.IsFault
                ? new FaultJson(trace.Fault.Kind == FaultKind.PageFault ? "page_fault" : "general_protection", trace.Fault.Vector,
                    trace.Fault.Kind == FaultKind.PageFault ? Hex((uint)trace.Fault.ErrorCode) : null,
                    trace.Fault.Kind == FaultKind.PageFault ? Hex(trace.Fault.Cr2) : null, trace.Fault.ToString())
                : null;
            string? pageSize = trace.LeafLevel switch { 0 => "4 KiB", 1 => "2 MiB", 2 => "1 GiB", _ => null };
            string modeName = mode == Privilege.User ? "user" : "supervisor", accessName = access.ToString().ToLowerInvariant();
            var json = new Json(Hex(va), accessName, modeName, Hex(trace.Cr3), indices, Hex(va & 0xFFF), steps,
                trace.Pa is { } pa ? Hex(pa) : null, pageSize, fault, viewPa == ulong.MaxValue ? null : Hex(viewPa), Pte.FormatFlags(viewPerm), agrees);
            return ctx.Emit(json, agrees, r =>
            {
                r.Title($"Page walk: {modeName} {accessName} of {Hex(va)}");
                r.Line($"  {Hex16(va)} = sign[{va >> 48:x4}] PML4[{indices["pml4"]}] PDPT[{indices["pdpt"]}] PD[{indices["pd"]}] PT[{indices["pt"]}] offset {Hex(va & 0xFFF)}");
                r.Line($"  CR3 = {Hex(trace.Cr3)}   CR0.WP = {(noWp ? 0 : 1)}   EFER.NXE = {(noNx ? 0 : 1)}");
                if (steps.Count > 0)
                {
                    r.Section("Walk");
                    r.Write(Tree(trace.Cr3, steps));
                    var touched = trace.Steps.Where(s => s.EntryAfter != s.EntryBefore).Select(s => $"{s.Table}[{s.Index}] += {Pte.FormatFlags(s.EntryAfter & ~s.EntryBefore)}").ToList();
                    if (touched.Count > 0) r.Line($"  set by this walk: {string.Join(", ", touched)}");
                }
                r.Section("Result");
                if (trace.Pa is { } ok)
                    r.Fact("physical address", $"{Hex(ok)} ({pageSize} page, offset {Hex(va & VirtualAddress.OffsetMask(trace.LeafLevel))})");
                else
                {
                    r.Fact("fault", trace.Fault.ToString());
                    if (trace.Fault.Kind == FaultKind.PageFault)
                        r.Fact("error code bits", $"P={Bit(PageFaultError.Present)} W/R={Bit(PageFaultError.Write)} U/S={Bit(PageFaultError.User)} RSVD={Bit(PageFaultError.ReservedBit)} I/D={Bit(PageFaultError.InstructionFetch)}");
                }
                r.Fact("vmiter view", viewPa == ulong.MaxValue ? "unmapped (pa -1)" : $"pa {Hex(viewPa)}, perm {Pte.FormatFlags(viewPerm)}");
                r.Verdict(agrees, "the MMU's walk agrees with vmiter's view of the same table", "the MMU and vmiter disagree");
            });

            int Bit(PageFaultError b) => (trace.Fault.ErrorCode & b) != 0 ? 1 : 0;
        });
    }

    private sealed record StepJson(int Level, string Table, string TablePa, int Index, string EntryAddress, string Entry,
        string EntryAfter, string Flags, string Meaning);

    private sealed record FaultJson(string Kind, int Vector, string? ErrorCode, string? Cr2, string Description);

    private sealed record Json(string Va, string Access, string Mode, string Cr3, IReadOnlyDictionary<string, int> Indices,
        string Offset, IReadOnlyList<StepJson> Steps, string? Pa, string? PageSize, FaultJson? Fault, string? VmiterPa,
        string VmiterPerm, bool Agrees);

    /// <summary>The walk as a tree: CR3, then one node per table entry read, each leading to the next.</summary>
    private static Tree Tree(ulong cr3, IReadOnlyList<StepJson> steps)
    {
        var tree = new Tree(new Text($"CR3 = {Hex(cr3)}"));
        IHasTreeNodes parent = tree;
        foreach (var s in steps)
            parent = parent.AddNode(new Text($"{s.Table}[{s.Index}] at {s.EntryAddress} = {s.Entry} [{s.Flags}] -> {s.Meaning}"));
        return tree;
    }

    private static string Meaning(WalkStep s)
    {
        if (!Pte.IsPresent(s.EntryBefore)) return "not present: stop";
        if (s.Level == 0) return $"4 KiB frame {Hex(Pte.Address(s.EntryBefore))}";
        if (Pte.IsLarge(s.EntryBefore)) return s.Level == 3 ? "PS in a PML4E: reserved" : $"{(s.Level == 2 ? "1 GiB" : "2 MiB")} page {Hex(Pte.Address(s.EntryBefore) & ~VirtualAddress.OffsetMask(s.Level))}";
        string next = s.Level switch { 3 => "PDPT", 2 => "PD", _ => "PT" };
        return $"{next} at {Hex(Pte.Address(s.EntryBefore))}";
    }
}

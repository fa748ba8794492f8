using VmLab.Cli.Framework;
using VmLab.Linux.Experiments;
using VmLab.Linux.Timing;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab ondemand</c>: demand paging done by a user-space fault handler.</summary>
internal sealed class OnDemandCommand : ICommand
{
    public string Name => "ondemand";

    public string Summary => "write into an unmapped hole: a fault handler maps each page on first access";

    public string Help => $"""
        usage: vmlab ondemand [--pages N] [--json]
               vmlab ondemand --write-after-dispose

        The seed's ondemand.c. N pages are reserved PROT_NONE and then unmapped, leaving a hole. Ordinary
        (managed) stores then write a value to each page. The first store to each page faults; the SIGSEGV
        handler (native, registered for the hole with the MapFreshPage policy) maps a fresh zero-filled page at
        the faulting address with mmap(MAP_FIXED_NOREPLACE) and returns, and the store is retried. Expect one
        fault per page, every value in place, and the rest of each page zero.

          --pages N              pages in the hole (default {OnDemandExperiment.DefaultPages}; 1 to 65536)
          --json                 one JSON object: pages, faults, values_correct, fresh_pages_zeroed,
                                 fault_addresses, handler_ns_per_fault, kernel_fault_ns_per_page,
                                 handler_to_kernel_ratio,
                                 handler_vs_kernel (median, q1, q3), rounds, confirmed, verdicts
          --write-after-dispose  instead, register a protected page, unregister it, and write to it: the
                                 handler passes the fault on and the runtime ends this process (a fatal
                                 access violation). Shows that faults nobody owns are never swallowed.
        """;

    public TourStep Tour => new(
        "Demand paging, done by hand: nothing is mapped where the program writes. Each first write faults, "
        + "a handler maps a fresh page right there, and the write is retried as if nothing happened. "
        + "The kernel does the same for every anonymous page, only faster.");

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        int pages = (int)ctx.Args.Int("--pages", OnDemandExperiment.DefaultPages, 1, 65536);
        bool crash = ctx.Args.Flag("--write-after-dispose");
        ctx.Args.End();

        if (crash)
        {
            ctx.Err.WriteLine("writing to a protected page whose fault region was disposed; this process should now be ended by the runtime");
            ctx.Err.Flush();
            OnDemandExperiment.WriteAfterDispose();
            return 1;
        }
        var r = OnDemandExperiment.Run(pages);
        if (json)
        {
            ctx.WriteJson(r);
            return Verdict.ExitCode(r.Verdicts);
        }
        var report = ctx.Report();
        report.Title("ondemand: demand paging in a SIGSEGV handler");
        report.Explain($"{r.Pages} pages were reserved PROT_NONE and unmapped. Each first write faulted; the "
            + "handler mapped a fresh page at the faulting address and the write was retried.");
        report.Section("Observed");
        report.Fact("hole", $"{r.Base} ({r.Pages} pages)");
        report.Fact("faults cured by the handler", r.Faults);
        report.Fact("values read back", r.ValuesCorrect ? "all correct" : "WRONG");
        report.Fact("rest of each page", r.FreshPagesZeroed ? "zero-filled (fresh pages)" : "NOT zero");
        report.Fact("handler cost per fault", $"{r.HandlerNsPerFault:F0} ns");
        report.Fact("kernel minor fault (fresh RW map)", $"{r.KernelFaultNsPerPage:F0} ns/page");
        report.Fact("handler / kernel", $"{r.HandlerVsKernel.AsRatio()} per pair, {r.Rounds} rounds in alternating order");
        if (r.FaultAddresses.Count > 0)
        {
            report.Section("Faults, in order");
            report.Table(["#", "fault address"],
                r.FaultAddresses.Take(32).Select((a, i) => (IReadOnlyList<string>)[(i + 1).ToString(), a]));
            if (r.FaultAddresses.Count > 32)
                report.Note($"{r.FaultAddresses.Count - 32} more faults not shown (see --json)");
        }
        report.Note("the kernel's own demand paging (a minor fault) needs no signal, no return to user space "
            + "and no extra system call; the ratio above is that difference.");
        VerdictLines.Write(report, r.Verdicts);
        return Verdict.ExitCode(r.Verdicts);
    }
}

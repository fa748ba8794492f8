using System.CommandLine;
using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab ondemand</c>: demand paging done by a user-space fault handler.</summary>
internal static class OnDemandCommand
{
    public static Verb Create()
    {
        var pages = Opt.Int("--pages", "pages in the hole", OnDemandExperiment.DefaultPages, 1, 65536);
        var writeAfterDispose = Opt.Flag("--write-after-dispose", "instead, register a protected page, unregister it, and write to it: the " +
                "handler passes the fault on and the runtime ends this process (a fatal access violation). Shows that faults " +
                "nobody owns are never swallowed.");
        return new Verb("ondemand", "write into an unmapped hole: a fault handler maps each page on first access",
            """
            The seed's ondemand.c. N pages are reserved PROT_NONE and then unmapped, leaving a hole. Ordinary
            (managed) stores then write a value to each page. The first store to each page faults; the SIGSEGV
            handler (native, registered for the hole with the MapFreshPage policy) maps a fresh zero-filled page at
            the faulting address with mmap(MAP_FIXED_NOREPLACE) and returns, and the store is retried. Expect one
            fault per page, every value in place, and the rest of each page zero.
            """,
            "pages, faults, values_correct, fresh_pages_zeroed, fault_addresses, handler_ns_per_fault, kernel_fault_ns_per_page, handler_to_kernel_ratio, handler_vs_kernel (median, q1, q3), rounds, confirmed, verdicts [{claim, status, reason}]",
            "vmlab ondemand", "vmlab ondemand --pages 64 --json")
        {
            Tour = new("Demand paging, done by hand: nothing is mapped where the program writes. Each first write faults, "
                       + "a handler maps a fresh page right there, and the write is retried as if nothing happened. "
                       + "The kernel does the same for every anonymous page, only faster."),
        }.Takes(
            pages,
            writeAfterDispose)
        .Reports(ctx => ctx.Get(writeAfterDispose) ? WriteAfterDispose(ctx, pages) : OnDemandExperiment.Run((int)ctx.Get(pages)),
            r => VerdictLines.Hold(r.Verdicts), (report, r) =>
        {
            report.Intro("ondemand: demand paging in a SIGSEGV handler",
                $"{r.Pages} pages were reserved PROT_NONE and unmapped. Each first write faulted; the "
                + "handler mapped a fresh page at the faulting address and the write was retried.");
            report.Fact("hole", $"{r.Base} ({r.Pages} pages)");
            report.Fact("faults cured by the handler", r.Faults);
            report.Fact("values read back", r.ValuesCorrect ? "all correct" : "WRONG");
            report.Fact("rest of each page", r.FreshPagesZeroed ? "zero-filled (fresh pages)" : "NOT zero");
            FaultHandlerText.Write(report, "kernel minor fault (fresh RW map)", r.HandlerNsPerFault, r.KernelFaultNsPerPage,
                r.HandlerVsKernel, r.Rounds, r.Base, r.FaultAddresses);
            report.Note("the kernel's own demand paging (a minor fault) needs no signal, no return to user space "
                + "and no extra system call; the ratio above is that difference.");
            VerdictLines.Write(report, r.Verdicts);
        });
    }

    /// <summary>The runtime is expected to end this process; surviving it is the machine refusing the demonstration.</summary>
    private static OnDemandResult WriteAfterDispose(Ctx ctx, Option<long> pages)
    {
        if (ctx.Given(pages) || ctx.Json)
            throw new UsageException("--write-after-dispose takes no other option");
        ctx.Err.WriteLine("writing to a protected page whose fault region was disposed; this process should now be ended by the runtime");
        ctx.Err.Flush();
        OnDemandExperiment.WriteAfterDispose();
        throw new RefusedException("the write after dispose did not end the process");
    }
}

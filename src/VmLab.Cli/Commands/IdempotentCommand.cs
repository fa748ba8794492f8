using VmLab.Cli.Framework;
using VmLab.Linux;
using VmLab.Linux.Experiments;
using LinuxVerdict = VmLab.Linux.Timing.Verdict;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab idempotent</c>: one rep movsb into protected pages, resumed after every fault.</summary>
internal static class IdempotentCommand
{
    public static Verb Create()
    {
        var bytes = Opt.Size("--bytes", "bytes to copy (1 byte to 64M; K/M suffixes)", IdempotentExperiment.DefaultBytes, 1, 64L << 20);
        var seed = Opt.Int("--seed", "seed of the source pattern", 42, 0, int.MaxValue);
        return new Verb("idempotent", "rep movsb into PROT_NONE pages: a fault handler makes each page accessible and the copy resumes",
            """
            The seed's idempotent.c. A single x86 'rep movsb' instruction copies SIZE bytes into destination pages
            that are all PROT_NONE. Each time the copy reaches a protected page it faults; the SIGSEGV handler
            (native, registered for the destination range with the MakeAccessible policy) mprotects that one page
            read-write and returns. The instruction then resumes exactly where it stopped, because its progress
            lives in registers (rsi, rdi, rcx). Expect one fault per page and a byte-exact copy.
            """,
            "faults, bytes, copy_correct, pages, fault_addresses, handler_ns_per_fault, kernel_fault_ns_per_page, handler_to_kernel_ratio, handler_vs_kernel (median, q1, q3), rounds, confirmed, verdicts [{claim, status, reason}]",
            "vmlab idempotent", "vmlab idempotent --bytes 40K --json")
        {
            Tour = new("A fault need not be an error. Here one machine instruction copies into memory it may not touch yet; "
                       + "each fault is cured by a handler that opens one page, and the instruction carries on where it stopped."),
        }.Takes(bytes, seed).Does(ctx =>
        {
            var r = IdempotentExperiment.Run(ctx.Get(bytes), (int)ctx.Get(seed));
            return ctx.Emit(r, LinuxVerdict.ExitCode(r.Verdicts) == 0, report =>
            {
                report.Title("idempotent: rep movsb resumes after each fault");
                report.Explain("One rep movsb copies into destination pages that are all PROT_NONE. A fault handler makes "
                    + "each faulting page read-write; the same instruction then continues with the bytes it had not yet copied.");
                report.Section("Observed");
                report.Fact("destination", $"{r.Destination} ({r.Pages} pages)");
                report.Fact("bytes copied (one instruction)", r.Bytes);
                report.Fact("faults cured by the handler", r.Faults);
                report.Fact("copy byte-exact", r.CopyCorrect ? "yes" : "NO");
                report.Fact("handler cost per fault", $"{r.HandlerNsPerFault:F0} ns");
                report.Fact("kernel minor fault, same copy", $"{r.KernelFaultNsPerPage:F0} ns/page");
                report.Fact("handler / kernel", $"{r.HandlerVsKernel.AsRatio()} per pair, {r.Rounds} rounds in alternating order");
                report.Line();
                report.Bars("cost of one fault", [("SIGSEGV handler", r.HandlerNsPerFault), ("kernel minor fault", r.KernelFaultNsPerPage)], "ns");
                if (r.FaultAddresses.Count > 0)
                {
                    report.Section("Faults, in order");
                    var start = Numbers.Parse(r.Destination, "destination");
                    report.Table(["#", "fault address", "page", "offset in page"],
                        r.FaultAddresses.Take(64).Select((a, i) =>
                        {
                            long off = (long)(Numbers.Parse(a, "address") - start);
                            return (IReadOnlyList<string>)[(i + 1).ToString(), a, (off / PageSize.Value).ToString(), (off % PageSize.Value).ToString()];
                        }));
                    if (r.FaultAddresses.Count > 64)
                        report.Note($"{r.FaultAddresses.Count - 64} more faults not shown (see --json)");
                }
                VerdictLines.Write(report, r.Verdicts);
            });
        });
    }
}

using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab idempotent</c>: one rep movsb into protected pages, resumed after every fault.</summary>
internal static class IdempotentCommand
{
    public static Verb Create()
    {
        var bytesOption = Opt.Size("--bytes", "bytes to copy (1 byte to 64M; K/M suffixes)", IdempotentExperiment.DefaultBytes, 1, 64L << 20);
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
        }.Takes(
            bytesOption,
            seed)
        .Reports(ctx => IdempotentExperiment.Run(ctx.Get(bytesOption), (int)ctx.Get(seed)), r => VerdictLines.Hold(r.Verdicts), (report, r) =>
        {
            report.Intro("idempotent: rep movsb resumes after each fault",
                "One rep movsb copies into destination pages that are all PROT_NONE. A fault handler makes "
                + "each faulting page read-write; the same instruction then continues with the bytes it had not yet copied.");
            report.Fact("destination", $"{r.Destination} ({r.Pages} pages)");
            report.Fact("bytes copied (one instruction)", r.Bytes);
            report.Fact("faults cured by the handler", r.Faults);
            report.Fact("copy byte-exact", r.CopyCorrect ? "yes" : "NO");
            FaultHandlerText.Write(report, "kernel minor fault, same copy", r.HandlerNsPerFault, r.KernelFaultNsPerPage,
                r.HandlerVsKernel, r.Rounds, r.Destination, r.FaultAddresses);
            VerdictLines.Write(report, r.Verdicts);
        });
    }
}

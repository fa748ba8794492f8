using VmLab.Sim.Cpu;
using VmLab.Sim.Programs;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cpu</c>: run a user program on the simulated CPU, without a kernel.</summary>
internal static class CpuCommand
{
    public static Verb Create()
    {
        var input = new ProgramInput();
        var stepsOption = Opt.Int("--steps", "stop after N instructions", 100_000_000, 1, 10_000_000_000);
        var traceOption = Opt.Flag("--trace", "show every instruction executed and the registers it changed (first 10000)");
        return new Verb("cpu", "run a program on the simulated CPU (flat memory, write/exit syscalls)",
            """
            Loads the program into one flat memory (its pages plus a 64 KiB stack above them, rsp at the top) and
            runs it on the simulated CPU (the teaching ISA). Every instruction is fetched from that memory; loads
            and stores go through the same bus the paging MMU plugs into. A tiny handler serves two syscalls: write
            (rax=1, rdi=buffer, rsi=length) and exit (rax=2, rdi=status); any other number returns -1. The run ends
            at exit, a fault, hlt, an invalid instruction, or after N instructions.
            An ELF file (from 'vmlab sim cc') instead runs as the only process on the teaching kernel: x86-64 code
            through its own page table; --trace lists each instruction (Iced's GNU syntax, the first 10000).
            """,
            """{"program","instructions","stop_reason","exited","exit_status","output","fault","registers":{"rax",…,"r15","rip","flags"},"syscalls","elapsed_seconds","instructions_per_second","cpu_seconds","trace":[…]}""",
            "vmlab sim cpu --builtin hello", "vmlab sim cpu prog.s --trace --steps 50", "vmlab sim cpu prog.elf --trace")
        {
            Tour = new("User programs are real machine code. The simulated CPU fetches each 8-byte instruction from memory, " +
                       "decodes it and executes it; 'syscall' stops the CPU and hands the request to whoever runs it - here a " +
                       "tiny handler that prints and exits. Later the teaching kernel runs the same CPU with page tables.",
                       "--builtin", "hello"),
        }.Takes([.. input.Symbols, stepsOption, traceOption]).Does(ctx =>
        {
            long steps = ctx.Get(stepsOption);
            bool trace = ctx.Get(traceOption);
            if (ElfCpu.Read(ctx, input, out string elfName) is { } elf)
                return ElfCpu.Run(ctx, elfName, elf, steps, trace);
            var (name, image, _) = input.Read(ctx);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
            FlatRunResult r = ctx.Progress($"running {name}", () => FlatRunner.Run(image, steps, trace));
            double seconds = clock.Elapsed.TotalSeconds;
            double cpuSeconds = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
            var registers = new Dictionary<string, ulong>();
            for (int i = 0; i < 16; i++) registers[Isa.RegisterNames[i]] = r.Registers.Gpr[i];
            registers["rip"] = r.Registers.Rip;
            registers["flags"] = (ulong)r.Registers.Flags;
            bool ok = r.Exited && r.ExitStatus == 0;
            var json = new
            {
                Program = name,
                r.Instructions,
                r.StopReason,
                r.Exited,
                r.ExitStatus,
                r.Output,
                Fault = r.Fault is { } f ? new { f.Kind, f.Address, f.Access, ErrorCode = (uint)f.ErrorCode, Description = f.WeensyText() } : null,
                Registers = registers,
                r.Syscalls,
                ElapsedSeconds = seconds,
                InstructionsPerSecond = seconds > 0 ? Math.Round(r.Instructions / seconds) : 0,
                CpuSeconds = cpuSeconds,
                Trace = r.Trace,
                r.TraceTruncated,
            };
            return ctx.Emit(json, ok, rep =>
            {
                rep.Title($"vmlab sim cpu: {name}");
                rep.Explain("The program runs on the simulated CPU over flat memory: each instruction is fetched from " +
                            "memory, decoded and executed; syscall hands control to a tiny handler (write, exit).");
                if (trace)
                {
                    rep.Section("Trace");
                    foreach (var t in r.Trace)
                    {
                        if (t.Label is not null) rep.Line($"{t.Label}:");
                        rep.Line($"  {t.Address:x8}  {t.Instruction,-36} {t.Changes}");
                    }
                    if (r.TraceTruncated) rep.Note($"trace shows the first {r.Trace.Count} instructions only");
                }
                rep.Section("Console output");
                if (r.Output.Length == 0) rep.Line("  (nothing printed)");
                else
                    foreach (string line in r.Output.TrimEnd('\n').Split('\n'))
                        rep.Line("  | " + line);
                rep.Section("How it stopped");
                rep.Fact("instructions executed", r.Instructions);
                rep.Fact("syscalls", r.Syscalls);
                rep.Fact("wall time", $"{seconds * 1000:F2} ms ({r.Instructions / Math.Max(seconds, 1e-9) / 1e6:F1} M instructions/s{(trace ? ", traced" : "")})");
                rep.Fact("processor time", $"{cpuSeconds * 1000:F2} ms (the whole process, all threads)");
                rep.Fact("stop reason", r.Exited ? $"exit({r.ExitStatus})" : Describe(r));
                if (r.Fault is { } fault) rep.Fact("fault", fault.WeensyText());
                rep.Section("Registers");
                rep.Line("  " + string.Join("  ", registers.Take(8).Select(kv => $"{kv.Key}=0x{kv.Value:x}")));
                rep.Line("  " + string.Join("  ", registers.Skip(8).Take(8).Select(kv => $"{kv.Key}=0x{kv.Value:x}")));
                rep.Line($"  rip=0x{r.Registers.Rip:x}  flags={r.Registers.Flags}" + (image.LabelAt(r.Registers.Rip) is { } l ? $"  (rip at {l})" : ""));
                rep.Verdict(ok, ok
                    ? $"the program ran {r.Instructions} instructions and exited with status 0"
                    : $"the program did not exit cleanly: {(r.Exited ? $"exit status {r.ExitStatus}" : Describe(r))}");
            });
        });
    }

    private static string Describe(FlatRunResult r) => r.StopReason switch
    {
        StopReason.Budget => $"still running after {r.Instructions} instructions (raise --steps)",
        StopReason.Fault => $"fault at rip 0x{r.Registers.Rip:x}",
        StopReason.InvalidOpcode => $"invalid instruction at 0x{r.Registers.Rip:x}",
        StopReason.Halt => $"hlt at 0x{r.Registers.Rip - 8:x}",
        _ => r.StopReason.ToString().ToLowerInvariant(),
    };
}

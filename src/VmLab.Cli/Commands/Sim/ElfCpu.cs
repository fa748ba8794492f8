using VmLab.Sim.Asm;
using VmLab.Sim.X86;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cpu PROG.elf</c> and <c>vmlab sim disasm PROG.elf</c>: ELF input for the program verbs.</summary>
internal static class ElfCpu
{
    /// <summary>Instructions --trace lists at most (the run itself goes on to the budget).</summary>
    public const int MaxTrace = 10_000;

    /// <summary>The ELF program named by FILE, or null when FILE is absent, --builtin is used, or it is not ELF.</summary>
    public static ProgramImage? Read(Ctx ctx, ProgramInput input, out string name)
    {
        name = ctx.Get(input.File) ?? "";
        if (name.Length == 0 || ctx.Get(input.Builtin).Length > 0) return null;
        return ElfInput.IsElfFile(name, out byte[] bytes) ? ElfInput.Load(name, bytes) : null;
    }

    /// <summary>Runs the program as the only process on the teaching kernel.</summary>
    public static int Run(Ctx ctx, string file, ProgramImage image, long steps, bool trace)
    {
        string name = Path.GetFileNameWithoutExtension(file);
        var k = ElfInput.Boot([(name, image)], trace: false);
        var lines = trace ? ElfInput.Traced(k, 1, image, steps, MaxTrace) : [];
        ctx.Progress($"running {name}", () => k.Run(Math.Max(0, steps - k.Instructions)));
        var p = k.History[0];
        bool ok = p.ExitStatus == 0 && k.Panic is null;
        string end = p.KillReason is { } why ? $"killed: {why}" : p.ExitStatus is { } s ? $"exit({s})"
            : k.Panic is { } panic ? $"kernel panic: {panic}" : $"still running after {k.Instructions} instructions (raise --steps)";
        var json = new
        {
            Program = file,
            Instructions = p.Instructions,
            StopReason = end,
            Exited = p.ExitStatus is not null,
            p.ExitStatus,
            p.KillReason,
            Output = k.Console,
            k.Console,
            p.Syscalls,
            k.Faults,
            Trace = trace ? lines.Select(l => new { l.Address, l.Text }) : null,
            TraceTruncated = trace && lines.Count >= MaxTrace,
        };
        return ctx.Emit(json, ok, rep =>
        {
            rep.Title($"vmlab sim cpu: {file}");
            rep.Explain("The ELF program runs as one process on the teaching kernel: its x86-64 machine code executes on " +
                        "the simulated CPU through its own page table; syscalls go to the kernel.");
            if (trace)
            {
                rep.Section("Trace");
                foreach (var l in lines)
                {
                    if (image.LabelAt(l.Address) is { } label && image.Symbols.TryGetValue(label, out ulong at) && at == l.Address)
                        rep.Line($"{label}:");
                    rep.Line($"  {l.Address:x8}  {l.Text}");
                }
                if (lines.Count >= MaxTrace) rep.Note($"trace shows the first {lines.Count} instructions only");
            }
            rep.Section("Console output");
            if (k.Console.Length == 0) rep.Line("  (nothing printed)");
            else foreach (string line in k.Console.TrimEnd('\n').Split('\n').Take(200)) rep.Line("  | " + line);
            rep.Section("How it stopped");
            rep.Fact("instructions executed", p.Instructions);
            rep.Fact("syscalls", p.Syscalls);
            rep.Fact("stop reason", end);
            rep.Verdict(ok, ok ? $"the program ran {p.Instructions} instructions and exited with status 0"
                               : $"the program did not exit with status 0: {end}");
        });
    }

    /// <summary>Disassembles each executable segment with Iced's formatter, symbols from .symtab.</summary>
    public static int Disasm(Ctx ctx, string file, ProgramImage image, X86Syntax syntax)
    {
        string? Symbol(ulong a) => image.Symbols.FirstOrDefault(s => s.Value == a).Key;
        var lines = image.Segments.Where(s => s.Executable)
            .SelectMany(s => X86Disassembler.Disassemble(s.Bytes, s.Address, syntax, Symbol)).ToList();
        var json = new
        {
            File = file,
            image.Entry,
            Syntax = syntax.ToString().ToLowerInvariant(),
            Lines = lines.Select(l => new { l.Address, Bytes = ProgramInput.Hex(l.Bytes), l.Text, Label = Symbol(l.Address) }),
        };
        return ctx.Emit(json, true, r =>
        {
            r.Title($"vmlab sim disasm: {file}");
            r.Fact("entry point", $"0x{image.Entry:x}" + (Symbol(image.Entry) is { } e ? $" ({e})" : ""));
            r.Line();
            foreach (var l in lines)
            {
                if (Symbol(l.Address) is { } label) r.Line($"{label}:");
                r.Line($"  {l.Address:x8}  {string.Join(' ', l.Bytes.Select(b => b.ToString("x2"))),-30}  {l.Text}");
            }
        });
    }
}
